namespace Synthex.Dpdk.BindingGen;

/// <summary>
/// The generator's inputs, read from a response file (bindings/dpdk.rsp). One option per line,
/// <c>--name value</c>; blank lines and lines starting with '#' are ignored. Paths are relative
/// to the repository root. See dpdk.rsp for what each option means.
/// </summary>
internal sealed class Options
{
    public string Namespace { get; private set; } = "Synthex.Dpdk.Interop";
    public string DpdkVersion { get; private set; } = "";
    public string PkgConfig { get; private set; } = "libdpdk";
    public string LibraryDirectory { get; private set; } = "/usr/lib/x86_64-linux-gnu";
    public string OutputCSharp { get; private set; } = "";
    public string OutputNative { get; private set; } = "";
    public string OutputTests { get; private set; } = "";
    public string TestsNamespace { get; private set; } = "";
    public string ShimPrefix { get; private set; } = "sx_";

    /// <summary>Headers parsed, in include order.</summary>
    public List<string> Headers { get; } = [];

    /// <summary>Header file name → the static class its functions land in ("rte_ethdev.h" → "Ethdev").</summary>
    public Dictionary<string, string> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>Class name → shared object (soname) whose exported symbols it holds.</summary>
    public SortedDictionary<string, string> Libraries { get; } = new(StringComparer.Ordinal);

    /// <summary>Records traversed (with everything they hold by value).</summary>
    public List<string> Structs { get; } = [];

    /// <summary>Records emitted without fields: used only behind pointers.</summary>
    public List<string> Opaque { get; } = [];

    public List<string> Enums { get; } = [];
    public List<string> Functions { get; } = [];
    public List<string> Constants { get; } = [];

    /// <summary>Inline (or otherwise unreachable) DPDK functions the shim re-exports as sx_*.</summary>
    public List<string> Inline { get; } = [];

    /// <summary>Shim exports that read a C expression (a macro such as rte_errno): name → (C type, expression).</summary>
    public SortedDictionary<string, (string Type, string Expression)> ShimValues { get; } = new(StringComparer.Ordinal);

    /// <summary>Short, non-blocking calls that may skip the GC transition.</summary>
    public HashSet<string> SuppressGcTransition { get; } = new(StringComparer.Ordinal);

    /// <summary>Declarations (records, fields as "record.field", functions) left out.</summary>
    public HashSet<string> Excludes { get; } = new(StringComparer.Ordinal);

    /// <summary>C names given another C# name (records, fields as "record.field").</summary>
    public Dictionary<string, string> Remaps { get; } = new(StringComparer.Ordinal);

    public static Options Load(string path)
    {
        var o = new Options();
        var lineNumber = 0;
        foreach (var raw in File.ReadAllLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var space = line.IndexOf(' ');
            if (!line.StartsWith("--") || space < 0)
                throw new FormatException($"{path}:{lineNumber}: expected '--option value', got '{line}'");
            var name = line[2..space];
            var value = line[(space + 1)..].Trim();
            switch (name)
            {
                case "namespace": o.Namespace = value; break;
                case "dpdk-version": o.DpdkVersion = value; break;
                case "pkg-config": o.PkgConfig = value; break;
                case "library-directory": o.LibraryDirectory = value; break;
                case "output-csharp": o.OutputCSharp = value; break;
                case "output-native": o.OutputNative = value; break;
                case "output-tests": o.OutputTests = value; break;
                case "tests-namespace": o.TestsNamespace = value; break;
                case "shim-prefix": o.ShimPrefix = value; break;
                case "header": o.Headers.Add(value); break;
                case "group": Pair(value, out var header, out var group); o.Groups[header] = group; break;
                case "library": Pair(value, out var cls, out var so); o.Libraries[cls] = so; break;
                case "struct": o.Structs.Add(value); break;
                case "opaque": o.Opaque.Add(value); break;
                case "enum": o.Enums.Add(value); break;
                case "function": o.Functions.Add(value); break;
                case "constant": o.Constants.Add(value); break;
                case "inline": o.Inline.Add(value); break;
                case "suppress-gc-transition": o.SuppressGcTransition.Add(value); break;
                case "exclude": o.Excludes.Add(value); break;
                case "remap": Pair(value, out var from, out var to); o.Remaps[from] = to; break;
                case "shim-value":
                    // --shim-value sx_errno int rte_errno
                    var parts = value.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (parts.Length != 3)
                        throw new FormatException($"{path}:{lineNumber}: --shim-value NAME C_TYPE EXPRESSION");
                    o.ShimValues[parts[0]] = (parts[1], parts[2]);
                    break;
                default:
                    throw new FormatException($"{path}:{lineNumber}: unknown option --{name}");
            }

            void Pair(string v, out string left, out string right)
            {
                var eq = v.IndexOf('=');
                if (eq <= 0)
                    throw new FormatException($"{path}:{lineNumber}: expected KEY=VALUE, got '{v}'");
                left = v[..eq];
                right = v[(eq + 1)..];
            }
        }
        return o;
    }
}
