namespace Synthex.Protocol.Fuzz;

/// <summary>The corpus side of the target: replay a directory (CI does, through a test) and
/// write the seed corpus from the golden vectors.</summary>
public static class Replay
{
    /// <summary>Runs every file under the directories through <see cref="FuzzTarget.Run"/>;
    /// returns the count. An input that fails throws, naming its file.</summary>
    public static int Directories(IEnumerable<string> dirs, TextWriter log)
    {
        int runs = 0;
        foreach (var dir in dirs)
            foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                try
                {
                    FuzzTarget.Run(File.ReadAllBytes(file));
                }
                catch (Exception e)
                {
                    log.WriteLine($"replay: {file}: {e.GetType().Name}: {e.Message}");
                    throw new InconsistencyException($"{file}: {e.Message}");
                }
                runs++;
            }
        return runs;
    }

    /// <summary>Writes each golden vector, plus every truncation of the valid ones at a few
    /// boundaries and a one-byte-longer copy, as seed files. Returns how many.</summary>
    public static int Seed(IEnumerable<GoldenVector> vectors, string dir)
    {
        Directory.CreateDirectory(dir);
        int n = 0;
        foreach (var v in vectors)
        {
            File.WriteAllBytes(Path.Combine(dir, v.Name), v.Bytes);
            n++;
            if (!v.Expected.IsValid)
                continue;
            foreach (int cut in new[] { 8, 63, 64, v.Bytes.Length - 1 })
                if (cut > 0 && cut < v.Bytes.Length)
                {
                    File.WriteAllBytes(Path.Combine(dir, $"{v.Name}.cut{cut}"), v.Bytes[..cut]);
                    n++;
                }
            File.WriteAllBytes(Path.Combine(dir, $"{v.Name}.long"), [.. v.Bytes, 0]);
            n++;
        }
        return n;
    }
}
