using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Tests.Apps.Similarity;

/// <summary>Matrices written to temporary files for the similarity tests, removed on dispose.</summary>
internal sealed class MatrixFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("synthex-sim-").FullName;

    public string Npy(float[] values, int rows, int columns, string name = "m.npy")
    {
        string path = Path.Combine(Dir, name);
        NpyWriter.Write(path, values, rows, columns);
        return path;
    }

    public string Raw(string name, params byte[][] parts)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, parts.SelectMany(p => p).ToArray());
        return path;
    }

    public static float[] Random(int seed, int count, bool integers = false)
    {
        var r = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = integers ? r.Next(-3, 4) : (float)(r.NextDouble() * 2 - 1);
        return v;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } // a mapping still open on a failed test
    }
}
