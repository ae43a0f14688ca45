using System.Diagnostics;
using System.Runtime.InteropServices;
using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Tests.Apps.Similarity;

/// <summary>The matrix loader: .npy parsed strictly and mapped, .fvecs read, every bad file named with its problem.</summary>
public class StoredMatrixTests
{
    private static byte[] F32(params float[] v) => MemoryMarshal.AsBytes(v.AsSpan()).ToArray();
    private static byte[] I32(int v) => BitConverter.GetBytes(v);

    [Fact]
    public void Npy_is_mapped_with_its_shape_values_and_inverse_norms()
    {
        using var files = new MatrixFiles();
        float[] v = [3, 4, 0, 0, 1, 0, -2, 0, 0];
        using var m = StoredMatrix.Load(files.Npy(v, 3, 3));
        Assert.True(m.Mapped);
        Assert.Equal((3, 3, 36L), (m.Rows, m.Columns, m.DataBytes));
        Assert.Equal(v, m.Values.ToArray());
        Assert.Equal(new float[] { 0, 1, 0 }, m.Row(1).ToArray());
        Assert.Equal(new float[] { 0.2f, 1f, 0.5f }, m.InverseNorms.ToArray());
        Assert.True(m.LoadTime > TimeSpan.Zero);
    }

    [Fact]
    public void A_zero_row_has_inverse_norm_zero()
    {
        using var files = new MatrixFiles();
        using var m = StoredMatrix.Load(files.Npy([0, 0, 1, 1], 2, 2));
        Assert.Equal(0f, m.InverseNorms[0]);
        Assert.Equal((float)(1 / Math.Sqrt(2)), m.InverseNorms[1]);
    }

    [Fact]
    public void Dispose_unmaps_and_the_file_can_be_deleted()
    {
        using var files = new MatrixFiles();
        string path = files.Npy([1, 2], 1, 2);
        var m = StoredMatrix.Load(path);
        m.Dispose();
        Assert.True(m.Released);
        Assert.Throws<ObjectDisposedException>(() => m.Values.Length);
        File.Delete(path);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", "dtype '<f8' is not little-endian float32")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", "dtype '>f4'")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "Fortran order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "shape (4) is not 2-D")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", "is not 2-D")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", "no rows or no columns")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1, }", "unexpected or repeated header key 'extra'")]
    [InlineData("{'descr': '<f4', 'shape': (2, 2), }", "lacks one of")]
    public void A_header_this_service_cannot_read_is_refused_naming_file_and_problem(string dict, string problem)
    {
        using var files = new MatrixFiles();
        string path = files.Raw("bad.npy", NpyWriter.Header(dict), F32(1, 2, 3, 4));
        var e = Assert.Throws<ConfigurationException>(() => StoredMatrix.Load(path));
        Assert.Equal("matrix", e.Key);
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Truncated_data_trailing_bytes_bad_magic_and_a_missing_file_are_named()
    {
        using var files = new MatrixFiles();
        byte[] header = NpyWriter.Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }");
        Assert.Equal(0, header.Length % 64); // numpy's alignment of the data
        Assert.Contains($"truncated: shape (2, 2) needs 16 bytes of data after the {header.Length}-byte header, the file has 12",
            Assert.Throws<ConfigurationException>(() => StoredMatrix.Load(files.Raw("short.npy", header, F32(1, 2, 3)))).Message);
        Assert.Contains("4 bytes after the data",
            Assert.Throws<ConfigurationException>(() => StoredMatrix.Load(files.Raw("long.npy", header, F32(1, 2, 3, 4, 5)))).Message);
        Assert.Contains("truncated header",
            Assert.Throws<ConfigurationException>(() => StoredMatrix.Load(files.Raw("head.npy", header[..40]))).Message);
        Assert.Contains("not a .npy file",
            Assert.Throws<ConfigurationException>(() => StoredMatrix.Load(files.Raw("magic.npy", F32(1, 2, 3, 4, 5, 6)))).Message);
        Assert.Contains("file not found",
            Assert.Throws<ConfigurationException>(() => StoredMatrix.Load(Path.Combine(files.Dir, "none.npy"), "projection")).Message);
    }

    [Fact]
    public void Fvecs_is_read_row_by_row()
    {
        using var files = new MatrixFiles();
        using var m = StoredMatrix.Load(files.Raw("m.fvecs", I32(2), F32(1, 2), I32(2), F32(3, 4), I32(2), F32(0, 0)));
        Assert.False(m.Mapped);
        Assert.Equal((3, 2), (m.Rows, m.Columns));
        Assert.Equal(new float[] { 1, 2, 3, 4, 0, 0 }, m.Values.ToArray());
        Assert.Equal(0.2f, m.InverseNorms[1]);
    }

    [Fact]
    public void Fvecs_truncated_or_with_mixed_dimensions_is_named()
    {
        using var files = new MatrixFiles();
        Assert.Contains("is not a whole number of 12-byte records",
            Assert.Throws<ConfigurationException>(() => StoredMatrix.Load(files.Raw("t.fvecs", I32(2), F32(1, 2), I32(2), F32(3)))).Message);
        Assert.Contains("record 1 has dimension 1, the first has 2",
            Assert.Throws<ConfigurationException>(() => StoredMatrix.Load(files.Raw("d.fvecs", I32(2), F32(1, 2), I32(1), F32(3, 4)))).Message);
    }

    [Fact]
    public void A_file_written_by_numpy_loads_with_numpys_values()
    {
        // The real producer: numpy.save from Debian's python3-numpy (bootstrap installs it).
        using var files = new MatrixFiles();
        string path = Path.Combine(files.Dir, "numpy.npy");
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c",
            $"import numpy as np; np.save('{path}', (np.arange(35, dtype=np.float32).reshape(5, 7) - 17) / 4)"])
        { RedirectStandardError = true };
        using (var p = Process.Start(psi)!)
        {
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "python3 -c 'import numpy' failed (install python3-numpy): " + err);
        }
        using var m = StoredMatrix.Load(path);
        Assert.Equal((5, 7), (m.Rows, m.Columns));
        Assert.Equal(Enumerable.Range(0, 35).Select(i => (i - 17) / 4f).ToArray(), m.Values.ToArray());
    }
}
