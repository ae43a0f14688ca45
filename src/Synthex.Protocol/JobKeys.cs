using System.Globalization;

namespace Synthex.Protocol;

/// <summary>
/// The per-job keys of a key file (<c>--keys FILE</c>; format in docs/PROTOCOL.md, "Key file"):
/// one line per job, <c>JOB HEXKEY</c>, <c>#</c> starts a comment. Immutable; looked up without
/// allocation (a sorted array, binary search), so the services use it on the hot path.
/// </summary>
public sealed class JobKeys
{
    private readonly uint[] _jobs;     // ascending
    private readonly byte[][] _keys;   // by the index of _jobs

    private JobKeys(uint[] jobs, byte[][] keys) => (_jobs, _keys) = (jobs, keys);

    /// <summary>No keys: every job accepts unauthenticated messages.</summary>
    public static JobKeys None { get; } = new([], []);

    /// <summary>Jobs that have a key.</summary>
    public int Count => _jobs.Length;

    /// <summary>The jobs that have a key, ascending.</summary>
    public ReadOnlySpan<uint> Jobs => _jobs;

    /// <summary>The index of <paramref name="job"/>'s key (0..<see cref="Count"/>−1), or −1 when the job has none.</summary>
    public int IndexOf(uint job)
    {
        int i = Array.BinarySearch(_jobs, job);
        return i >= 0 ? i : -1;
    }

    /// <summary>The key at <paramref name="index"/> (from <see cref="IndexOf"/>).</summary>
    public ReadOnlySpan<byte> Key(int index) => _keys[index];

    /// <summary><paramref name="job"/>'s key; false when it has none.</summary>
    public bool TryGet(uint job, out ReadOnlySpan<byte> key)
    {
        int i = IndexOf(job);
        key = i >= 0 ? _keys[i] : default;
        return i >= 0;
    }

    /// <summary>Keys for the given jobs (tests and embedding; a key file is the operator's way).</summary>
    public static JobKeys Of(params (uint Job, byte[] Key)[] entries)
    {
        foreach (var (job, key) in entries)
            if (key.Length is < MessageAuth.MinKeyBytes or > MessageAuth.MaxKeyBytes)
                throw new KeyFileException($"job {job}: the key has {key.Length} bytes; give {MessageAuth.MinKeyBytes}..{MessageAuth.MaxKeyBytes}");
        var sorted = entries.OrderBy(e => e.Job).ToArray();
        for (int i = 1; i < sorted.Length; i++)
            if (sorted[i].Job == sorted[i - 1].Job) throw new KeyFileException($"job {sorted[i].Job} has two keys");
        return new JobKeys(sorted.Select(e => e.Job).ToArray(), sorted.Select(e => (byte[])e.Key.Clone()).ToArray());
    }

    /// <summary>
    /// Reads the key file at <paramref name="path"/>. Refused (<see cref="KeyFileException"/>, its
    /// message names the file and line) when it is missing, not a regular file, readable or
    /// writable by its group or others (it holds secrets: <c>chmod 600</c>), or malformed.
    /// </summary>
    public static JobKeys Load(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0'))
            throw new KeyFileException("the key file's path is empty; give a file of 'JOB HEXKEY' lines");
        var info = new FileInfo(path);
        if (Directory.Exists(path)) throw new KeyFileException($"'{path}' is a directory, not a key file");
        if (!info.Exists) throw new KeyFileException($"'{path}' does not exist");
        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode open = info.UnixFileMode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                                     UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
            if (open != 0)
                throw new KeyFileException(FormattableString.Invariant(
                    $"'{path}' is accessible to its group or others (mode {Convert.ToString((int)info.UnixFileMode, 8)}); it holds secrets: chmod 600 '{path}'"));
        }
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyFileException($"'{path}' cannot be read: {e.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Parses key-file text; <paramref name="source"/> names it in messages.</summary>
    public static JobKeys Parse(string text, string source)
    {
        var entries = new List<(uint Job, byte[] Key)>();
        var lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n];
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            line = line.Trim();
            if (line.Length == 0) continue;
            string where = $"{source}:{n + 1}";
            string[] parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
                throw new KeyFileException($"{where}: expected 'JOB HEXKEY' (a job id and its key in hex), got {parts.Length} field(s)");
            if (!TryParseJob(parts[0], out uint job))
                throw new KeyFileException($"{where}: '{parts[0]}' is not a job id (0..4294967295, decimal or 0x hex)");
            byte[] key;
            try { key = Convert.FromHexString(parts[1]); }
            catch (FormatException)
            {
                throw new KeyFileException($"{where}: job {job}: the key is not hex (an even number of 0-9a-f digits)");
            }
            if (key.Length < MessageAuth.MinKeyBytes)
                throw new KeyFileException($"{where}: job {job}: the key has {key.Length} bytes, fewer than {MessageAuth.MinKeyBytes} ({2 * MessageAuth.MinKeyBytes} hex digits); e.g. 'openssl rand -hex 32'");
            if (key.Length > MessageAuth.MaxKeyBytes)
                throw new KeyFileException($"{where}: job {job}: the key has {key.Length} bytes, more than {MessageAuth.MaxKeyBytes}");
            foreach (var e in entries)
                if (e.Job == job) throw new KeyFileException($"{where}: job {job} has a key already");
            entries.Add((job, key));
        }
        return Of(entries.ToArray());
    }

    private static bool TryParseJob(string s, out uint job) =>
        s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out job)
            : uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out job);
}

/// <summary>A key file that cannot be used; the message says why (file, line, what to do).</summary>
public sealed class KeyFileException(string message) : Exception(message);
