using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Synthex.Dpdk.Apps;

/// <summary>
/// An N × D float32 matrix the similarity service scores against: a <c>.npy</c> file mapped
/// read-only where it lies (no copy: the page cache is the matrix), or a FAISS <c>.fvecs</c> file
/// read into native memory, with per-row inverse norms kept beside it for cosine.
/// </summary>
/// <remarks>
/// <para>Why <c>.fvecs</c> is copied: each of its rows is preceded by a 4-byte dimension, so the
/// rows are not one dense N × D block, and the scoring kernel walks rows at a stride of D.
/// Convert to <c>.npy</c> for a zero-copy load.</para>
/// <para>Errors: a file that is not a 2-D little-endian float32 C-order matrix, or that is
/// truncated or has bytes past its data, is a <see cref="ConfigurationException"/> naming the
/// file and the problem (exit 2); a matrix larger than the memory this process may use is an
/// <see cref="EnvironmentException"/> (exit 3): mapped, every scan would read it from disk.</para>
/// <para>The inverse norms are computed in f64 and rounded once, 1/‖row‖ (0 for a zero row, so it
/// scores 0). Spans address at most 2^31 − 1 floats (8 GiB): a larger matrix is refused, named.</para>
/// </remarks>
public sealed unsafe class StoredMatrix : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private float* _data;
    private readonly float[] _inverseNorms;

    public string Path { get; }
    public int Rows { get; }
    public int Columns { get; }
    /// <summary>Bytes of matrix data (N·D·4).</summary>
    public long DataBytes => (long)Rows * Columns * sizeof(float);
    /// <summary>True when the data is the file's own mapped pages (.npy); false when read into native memory (.fvecs).</summary>
    public bool Mapped => _file is not null;
    /// <summary>Wall time of <see cref="Load"/>, norms included.</summary>
    public TimeSpan LoadTime { get; private set; }

    public ReadOnlySpan<float> Values => _data is null ? throw new ObjectDisposedException(Path) : new(_data, Rows * Columns);
    public ReadOnlySpan<float> InverseNorms => _inverseNorms;
    public ReadOnlySpan<float> Row(int i) => Values.Slice(i * Columns, Columns);

    /// <summary>True once disposed: the mapping (or native copy) is gone.</summary>
    public bool Released => _data is null;

    private StoredMatrix(string path, MemoryMappedFile? file, MemoryMappedViewAccessor? view, float* data, int rows, int columns)
    {
        (Path, _file, _view, Rows, Columns) = (path, file, view, rows, columns);
        _data = data;
        _inverseNorms = new float[rows];
    }

    /// <summary>Loads <paramref name="path"/> (<c>.npy</c>, or <c>.fvecs</c> by extension); <paramref name="key"/> names the option in errors.</summary>
    /// <exception cref="ConfigurationException">Not a readable 2-D float32 matrix; the message names the file and the problem.</exception>
    /// <exception cref="EnvironmentException">Larger than the memory available to this process.</exception>
    public static StoredMatrix Load(string path, string key = "matrix")
    {
        long started = Stopwatch.GetTimestamp();
        if (!File.Exists(path)) throw Bad(key, path, "file not found");
        StoredMatrix m = path.EndsWith(".fvecs", StringComparison.OrdinalIgnoreCase) ? LoadFvecs(path, key) : LoadNpy(path, key);
        try
        {
            m.ComputeInverseNorms();
        }
        catch
        {
            m.Dispose();
            throw;
        }
        m.LoadTime = Stopwatch.GetElapsedTime(started);
        return m;
    }

    private static StoredMatrix LoadNpy(string path, string key)
    {
        long length = new FileInfo(path).Length;
        Span<byte> head = stackalloc byte[(int)Math.Min(length, NpyHeader.MaxHeaderBytes)];
        using (var f = File.OpenRead(path)) f.ReadExactly(head);
        if (NpyHeader.TryParse(head, out string problem) is not { } h) throw Bad(key, path, problem);
        (int rows, int columns) = Shape(key, path, h.Rows, h.Columns);
        long want = (long)rows * columns * sizeof(float);
        long have = length - h.DataOffset;
        if (have < want) throw Bad(key, path, $"truncated: shape ({rows}, {columns}) needs {want} bytes of data after the {h.DataOffset}-byte header, the file has {have}");
        if (have > want) throw Bad(key, path, $"{have - want} bytes after the data of shape ({rows}, {columns}): not one .npy array");
        CheckMemory(path, want);

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            // PointerOffset: the view starts at the page boundary below offset 0 (it is 0 here, kept for clarity).
            return new StoredMatrix(path, file, view, (float*)(p + view.PointerOffset + h.DataOffset), rows, columns);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    private static StoredMatrix LoadFvecs(string path, string key)
    {
        long length = new FileInfo(path).Length;
        using var f = File.OpenRead(path);
        Span<byte> four = stackalloc byte[4];
        if (length < 4) throw Bad(key, path, "truncated: shorter than one .fvecs record's dimension");
        f.ReadExactly(four);
        int d = BinaryPrimitives.ReadInt32LittleEndian(four);
        if (d < 1) throw Bad(key, path, $"first .fvecs record has dimension {d}");
        long record = 4 + 4L * d;
        if (length % record != 0) throw Bad(key, path, $"truncated: {length} bytes is not a whole number of {record}-byte records of dimension {d}");
        (int rows, int columns) = Shape(key, path, length / record, d);
        CheckMemory(path, (long)rows * columns * 4);
        float* data = (float*)NativeMemory.AlignedAlloc((nuint)rows * (nuint)columns * sizeof(float), 64);
        try
        {
            f.Position = 0;
            for (int i = 0; i < rows; i++)
            {
                f.ReadExactly(four);
                int di = BinaryPrimitives.ReadInt32LittleEndian(four);
                if (di != d) throw Bad(key, path, $"record {i} has dimension {di}, the first has {d}");
                f.ReadExactly(new Span<byte>(data + (long)i * columns, columns * sizeof(float)));
            }
        }
        catch
        {
            NativeMemory.AlignedFree(data);
            throw;
        }
        return new StoredMatrix(path, null, null, data, rows, columns);
    }

    private static (int, int) Shape(string key, string path, long rows, long columns)
    {
        if (rows > int.MaxValue || columns > int.MaxValue || rows * columns > int.MaxValue)
            throw Bad(key, path, $"shape ({rows}, {columns}) is {rows * columns} floats; at most {int.MaxValue} (8 GiB) are served by one instance");
        return ((int)rows, (int)columns);
    }

    private static void CheckMemory(string path, long bytes)
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
            throw new EnvironmentException($"matrix '{path}' has {bytes} bytes of data, more than the {available} bytes of memory this process may use: " +
                                           "every scan would read it from disk. Use a machine or cgroup with more memory, or a smaller matrix.");
    }

    private void ComputeInverseNorms()
    {
        ReadOnlySpan<float> v = Values;
        for (int i = 0; i < Rows; i++)
        {
            ReadOnlySpan<float> row = v.Slice(i * Columns, Columns);
            double sum = 0;
            foreach (float x in row) sum += (double)x * x;
            _inverseNorms[i] = InverseNorm(sum);
        }
    }

    /// <summary>1/√sum rounded once to f32; 0 for a zero vector (it scores 0), and for a non-finite sum.</summary>
    public static float InverseNorm(double sumOfSquares)
        => sumOfSquares > 0 && double.IsFinite(sumOfSquares) ? (float)(1.0 / Math.Sqrt(sumOfSquares)) : 0f;

    private static ConfigurationException Bad(string key, string path, string problem) => new(key, $"'{path}': {problem}");

    public void Dispose()
    {
        if (_data is null) return;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file!.Dispose();
        }
        else NativeMemory.AlignedFree(_data);
        _data = null;
    }
}
