using Synthex.Protocol;

namespace Synthex.Load.Scenarios;

/// <summary>
/// <c>--keys FILE</c> of the consensus and similarity scenarios: the key file the server reads
/// (docs/PROTOCOL.md, "Key file"). With it, every request of a job that has a key is signed and
/// every answer must verify under that key; one that does not is not this run's answer (counted
/// as unexpected).
/// </summary>
public static class ScenarioKeys
{
    /// <summary>The option, shared by both scenarios.</summary>
    public static ScenarioOption Option { get; } =
        new("keys", "consensus, similarity: the server's key file (lines 'JOB HEXKEY', mode 600): requests of a listed --job are signed, answers verified", "FILE", "");

    /// <summary>The key of <paramref name="job"/> from <c>--keys</c>; null without the option or when the job has no key.</summary>
    public static byte[]? Load(IReadOnlyDictionary<string, string> options, uint job)
    {
        if (!options.TryGetValue("keys", out string? path) || string.IsNullOrEmpty(path)) return null;
        try
        {
            return JobKeys.Load(path).TryGet(job, out ReadOnlySpan<byte> key) ? key.ToArray() : null;
        }
        catch (KeyFileException e)
        {
            throw new LoadConfigurationException($"--keys: {e.Message}");
        }
    }

    /// <summary>Bytes the trailer adds to every message when <c>--keys</c> is given.</summary>
    public static int TrailerBytes(IReadOnlyDictionary<string, string> options)
        => options.TryGetValue("keys", out string? path) && !string.IsNullOrEmpty(path) ? Wire.MacSize : 0;

    /// <summary>Signs a request written by the scenario (unchanged without a key); a length ≤ 0 passes through.</summary>
    public static int Seal(byte[]? key, Span<byte> request, int length) => key is null || length <= 0 ? length : MessageAuth.Sign(request, length, key);

    /// <summary>Whether an answer may be read: always without a key, else only when its MAC verifies.</summary>
    public static bool Authentic(byte[]? key, ReadOnlySpan<byte> answer) => key is null || MessageAuth.Verify(key, answer);

    /// <summary>As <see cref="Seal(byte[], Span{byte}, int)"/> with a sender thread's own key schedule (no key schedule per message).</summary>
    public static int Seal(MacContext? mac, Span<byte> request, int length) => mac is null || length <= 0 ? length : mac.Sign(request, length);

    /// <summary>As <see cref="Authentic(byte[], ReadOnlySpan{byte})"/> with a sender thread's own key schedule.</summary>
    public static bool Authentic(MacContext? mac, ReadOnlySpan<byte> answer) => mac is null || mac.Verify(answer);
}
