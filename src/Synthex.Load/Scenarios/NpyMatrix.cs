using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Synthex.Load.Scenarios;

/// <summary>
/// A float32 matrix read from a NumPy <c>.npy</c> file (version 1–3, <c>'&lt;f4'</c>, C order,
/// shape (N, D) or (D,) as one row) into memory. Synthex.Load may not reference the service's
/// mapped reader (Synthex.Dpdk), and the load tool's files are queries and a reference matrix
/// small enough to read whole.
/// </summary>
public sealed partial class NpyMatrix
{
    public int Rows { get; }
    public int Columns { get; }
    public float[] Values { get; }

    public NpyMatrix(int rows, int columns, float[] values)
    {
        Rows = rows;
        Columns = columns;
        Values = values;
    }

    public ReadOnlySpan<float> Row(int i) => Values.AsSpan(i * Columns, Columns);

    /// <summary>Reads <paramref name="path"/>; throws <see cref="LoadConfigurationException"/>
    /// naming <paramref name="option"/> and what is wrong.</summary>
    public static NpyMatrix Load(string path, string option)
    {
        byte[] file;
        try { file = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LoadConfigurationException($"{option}: cannot read '{path}': {e.Message}");
        }
        ReadOnlySpan<byte> magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
        if (file.Length < 10 || !file.AsSpan(0, 6).SequenceEqual(magic))
            throw new LoadConfigurationException($"{option}: '{path}' is not a .npy file (no \\x93NUMPY magic)");
        int major = file[6];
        int headerLength, start;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8)); start = 10; }
        else if (major is 2 or 3 && file.Length >= 12) { headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)); start = 12; }
        else throw new LoadConfigurationException($"{option}: '{path}': .npy version {major} is not 1, 2 or 3");
        if (headerLength < 0 || start + headerLength > file.Length)
            throw new LoadConfigurationException($"{option}: '{path}': the .npy header is cut short");
        string header = Encoding.Latin1.GetString(file, start, headerLength);
        if (!DescrF4().IsMatch(header))
            throw new LoadConfigurationException($"{option}: '{path}': dtype is not float32 little-endian ('<f4'): {header.Trim()}");
        if (!FortranFalse().IsMatch(header))
            throw new LoadConfigurationException($"{option}: '{path}': not C order (fortran_order must be False)");
        var shape = Shape().Match(header);
        if (!shape.Success) throw new LoadConfigurationException($"{option}: '{path}': no shape in the .npy header");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : -1).ToArray();
        if (dims.Length is < 1 or > 2 || dims.Any(d => d <= 0))
            throw new LoadConfigurationException($"{option}: '{path}': shape ({shape.Groups[1].Value}) is not (N, D) or (D,) with N, D ≥ 1");
        long rows = dims.Length == 2 ? dims[0] : 1, columns = dims[^1];
        long bytes = rows * columns * 4;
        int data = start + headerLength;
        if (bytes > int.MaxValue || data + bytes != file.Length)
            throw new LoadConfigurationException($"{option}: '{path}': holds {file.Length - data} data bytes, its shape ({rows}, {columns}) says {bytes}");
        var values = new float[rows * columns];
        for (long i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(data + (int)(i * 4)));
        return new NpyMatrix((int)rows, (int)columns, values);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'<f4'")]
    private static partial Regex DescrF4();

    [GeneratedRegex(@"'fortran_order'\s*:\s*False")]
    private static partial Regex FortranFalse();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex Shape();
}
