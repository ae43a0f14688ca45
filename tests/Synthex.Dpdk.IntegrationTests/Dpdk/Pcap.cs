using System.Buffers.Binary;

namespace Synthex.Dpdk.IntegrationTests.Dpdk;

/// <summary>Classic libpcap files (microsecond, LINKTYPE_ETHERNET): what net_pcap reads and writes.</summary>
internal static class Pcap
{
    private const uint Magic = 0xA1B2C3D4;

    public static void Write(string path, IEnumerable<byte[]> frames)
    {
        using var stream = File.Create(path);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1);
        stream.Write(header);
        uint t = 0;
        Span<byte> record = stackalloc byte[16];
        foreach (var frame in frames)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(record, 1_700_000_000);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], t++);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)frame.Length);
            stream.Write(record);
            stream.Write(frame);
        }
    }

    public static List<byte[]> Read(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 24) throw new InvalidDataException($"{path}: {data.Length} bytes, not a pcap file");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (magic != Magic && magic != 0xA1B23C4D) throw new InvalidDataException($"{path}: bad pcap magic {magic:x8}");
        var frames = new List<byte[]>();
        int o = 24;
        while (o + 16 <= data.Length)
        {
            int caplen = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(o + 8));
            frames.Add(data.AsSpan(o + 16, caplen).ToArray());
            o += 16 + caplen;
        }
        return frames;
    }
}
