using Synthex.Dpdk.Apps;

namespace Synthex.Dpdk.Fuzz;

/// <summary>
/// Any bytes as a matrix file, read as <c>.npy</c> and as <c>.fvecs</c> by the similarity
/// service's loader: it must load a matrix whose shape and data fit the file, or refuse with a
/// <see cref="ConfigurationException"/> (exit 2 in the CLI) or an <see cref="EnvironmentException"/>
/// (too large for memory: exit 3) — no other exception. The header parser alone must agree: a
/// header it accepts has positive dimensions and ends inside the file.
/// </summary>
public static class MatrixTarget
{
    // Files in memory (tmpfs) when there is one: one write per input.
    private static readonly string Dir = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
    private static readonly string Npy = Path.Combine(Dir, $"synthex-fuzz-{Environment.ProcessId}.npy");
    private static readonly string Fvecs = Path.Combine(Dir, $"synthex-fuzz-{Environment.ProcessId}.fvecs");

    public static void Run(byte[] data)
    {
        if (NpyHeader.TryParse(data, out string problem) is { } h)
        {
            if (h.Rows < 1 || h.Columns < 1 || h.DataOffset > data.Length || h.DataOffset < 10)
                throw new BrokenRuleException($"header parser accepted shape ({h.Rows}, {h.Columns}) at offset {h.DataOffset} of {data.Length}");
        }
        else if (problem.Length == 0)
        {
            throw new BrokenRuleException("header refused without a problem named");
        }
        Load(Npy, data);
        Load(Fvecs, data);
    }

    private static void Load(string path, byte[] data)
    {
        File.WriteAllBytes(path, data);
        try
        {
            using var m = StoredMatrix.Load(path);
            if (m.Rows < 1 || m.Columns < 1 || m.DataBytes > data.Length)
                throw new BrokenRuleException($"loaded a {m.Rows}x{m.Columns} matrix from {data.Length} bytes");
            _ = m.Row(m.Rows - 1)[m.Columns - 1]; // the last value is inside the mapping
        }
        catch (ConfigurationException)
        {
        }
        catch (EnvironmentException)
        {
        }
        finally
        {
            File.Delete(path);
        }
    }
}
