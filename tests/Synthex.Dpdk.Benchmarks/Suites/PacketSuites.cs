using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Synthex.Dpdk.Kernels;
using Synthex.Dpdk.Interop;

namespace Synthex.Dpdk.Benchmarks.Suites;

/// <summary>Internet checksum per path against DPDK's rte_raw_cksum, at packet sizes.</summary>
[Config(typeof(KernelConfig))]
public unsafe class ChecksumSuite
{
    [Params(64, 256, 512, 1500, 9000)] public int Size;
    [ParamsSource(typeof(KernelConfig), nameof(KernelConfig.Paths))] public SimdPath Path;
    private byte* _buf;
    private delegate*<ref byte, nuint, ulong> _sum;

    [GlobalSetup]
    public void Setup()
    {
        _buf = (byte*)NativeMemory.AlignedAlloc(16384, 64);
        new Random(1).NextBytes(new Span<byte>(_buf, 16384));
        _sum = InternetChecksum.SumFor(Path);
    }

    [GlobalCleanup] public void Cleanup() => NativeMemory.AlignedFree(_buf);

    [Benchmark] public ushort Synthex() => InternetChecksum.Fold(_sum(ref *_buf, (nuint)Size));
    [Benchmark(Baseline = true)] public ushort Dpdk() => Shim.sx_raw_cksum(_buf, (nuint)Size);
}

/// <summary>Toeplitz RSS hash per path (scalar = tables, vectors = GFNI) against rte_softrss.</summary>
[Config(typeof(KernelConfig))]
public unsafe class ToeplitzSuite
{
    [Params(8, 12, 32, 36)] public int InputBytes;
    [ParamsSource(typeof(KernelConfig), nameof(KernelConfig.Paths))] public SimdPath Path;
    private readonly byte[] _input = new byte[36];
    private readonly uint[] _words = new uint[9];
    private byte* _key;
    private delegate*<ref byte, int, ToeplitzKey, uint> _hash;

    [GlobalSetup]
    public void Setup()
    {
        new Random(3).NextBytes(_input);
        for (int w = 0; w < 9; w++) _words[w] = BinaryPrimitives.ReadUInt32BigEndian(_input.AsSpan(4 * w));
        _key = (byte*)NativeMemory.Alloc(64);
        ToeplitzKey.Microsoft.Bytes.CopyTo(new Span<byte>(_key, 40));
        _hash = Toeplitz.HashFor(Path);
    }

    [GlobalCleanup] public void Cleanup() => NativeMemory.Free(_key);

    [Benchmark] public uint Synthex() => _hash(ref _input[0], InputBytes, ToeplitzKey.Microsoft);
    [Benchmark(Baseline = true)] public uint Dpdk() { fixed (uint* w = _words) return Shim.sx_softrss(w, (uint)(InputBytes / 4), _key); }
}

/// <summary>CRC32C per path against rte_hash_crc, at flow-key and packet sizes.</summary>
[Config(typeof(KernelConfig))]
public unsafe class Crc32CSuite
{
    [Params(13, 37, 64, 256, 1500)] public int Size;
    [ParamsSource(typeof(KernelConfig), nameof(KernelConfig.Paths))] public SimdPath Path;
    private byte* _buf;
    private delegate*<uint, ref byte, nuint, uint> _crc;

    [GlobalSetup]
    public void Setup()
    {
        _buf = (byte*)NativeMemory.AlignedAlloc(4096, 64);
        new Random(4).NextBytes(new Span<byte>(_buf, 4096));
        _crc = Crc32C.CrcFor(Path);
    }

    [GlobalCleanup] public void Cleanup() => NativeMemory.AlignedFree(_buf);

    [Benchmark] public uint Synthex() => _crc(7, ref *_buf, (nuint)Size);
    [Benchmark(Baseline = true)] public uint Dpdk() => Shim.sx_hash_crc(_buf, (uint)Size, 7);
}
