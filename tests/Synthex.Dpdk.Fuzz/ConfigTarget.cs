using System.Text;
using Synthex.Dpdk.Cli.Configuration;

namespace Synthex.Dpdk.Fuzz;

/// <summary>
/// Any bytes as a configuration: up to the first NUL, the JSON file (<c>--config</c>); after it,
/// command-line options, one <c>key=value</c> per line. Binding and validation must succeed or
/// refuse with a <see cref="ConfigurationException"/> naming a key (exit 2 in the CLI) — no other
/// exception, no empty key.
/// </summary>
public static class ConfigTarget
{
    private static readonly string File_ = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(),
                                                        $"synthex-fuzz-{Environment.ProcessId}.json");

    public static void Run(byte[] data)
    {
        int split = Array.IndexOf(data, (byte)0);
        byte[] json = split < 0 ? data : data[..split];
        // As the CLI gives them: one value per option name (the configuration's keys ignore case).
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (split >= 0)
        {
            foreach (var line in Encoding.UTF8.GetString(data, split + 1, data.Length - split - 1).Split('\n'))
            {
                int eq = line.IndexOf('=');
                if (eq > 0) options[line[..eq]] = line[(eq + 1)..];
            }
        }
        File.WriteAllBytes(File_, json);
        try
        {
            var settings = SettingsBinder.Bind(File_, options, []);
            settings.Validate();
        }
        catch (ConfigurationException e)
        {
            if (string.IsNullOrWhiteSpace(e.Key) || string.IsNullOrWhiteSpace(e.Message))
                throw new BrokenRuleException($"a refusal with no key or message: '{e.Message}'");
        }
        finally
        {
            File.Delete(File_);
        }
    }
}
