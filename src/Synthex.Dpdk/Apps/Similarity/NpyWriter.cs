using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// Writes an N × D float32 matrix as <c>.npy</c> version 1.0, exactly as <c>numpy.save</c> does
/// (the header dict padded with spaces so the data starts at a multiple of 64): the format
/// <see cref="NpyHeader"/> reads, kept beside it so the two cannot drift. Used by tests and tools.
/// </summary>
public static class NpyWriter
{
    public static void Write(string path, ReadOnlySpan<float> values, int rows, int columns)
    {
        if ((long)rows * columns != values.Length) throw new ArgumentException($"{values.Length} floats are not {rows} × {columns}", nameof(values));
        using var f = File.Create(path);
        f.Write(Header($"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {columns}), }}"));
        f.Write(MemoryMarshal.AsBytes(values));
    }

    /// <summary>The 10-byte prefix and <paramref name="dict"/> padded to a multiple of 64 with a final newline (for tests of odd headers too).</summary>
    public static byte[] Header(string dict)
    {
        int unpadded = 10 + dict.Length + 1;
        int total = (unpadded + 63) / 64 * 64;
        var b = new byte[total];
        b[0] = 0x93; // not ASCII: a "\x93" string literal would be UTF-8 encoded as two bytes
        "NUMPY"u8.CopyTo(b.AsSpan(1));
        b[6] = 1;
        b[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), (ushort)(total - 10));
        Encoding.ASCII.GetBytes(dict).CopyTo(b, 10);
        b.AsSpan(10 + dict.Length, total - 11 - dict.Length).Fill((byte)' ');
        b[^1] = (byte)'\n';
        return b;
    }
}
