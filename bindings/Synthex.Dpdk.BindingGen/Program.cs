using System.Diagnostics;
using System.Text;
using Synthex.Dpdk.BindingGen;
using Synthex.Dpdk.BindingGen.Clang;
using static Synthex.Dpdk.BindingGen.Clang.LibClang;

// Synthex.Dpdk.BindingGen REPO_ROOT [RESPONSE_FILE]
//
// Parses the DPDK headers named in the response file once, with libclang and the flags
// `pkg-config --cflags libdpdk` gives, and writes from that one parse: the C# bindings, the
// shim's C for the allowlisted inline functions plus its layout probe, and the layout tests.
// Output is sorted and carries no timestamps: running it twice gives the same bytes.

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: Synthex.Dpdk.BindingGen REPO_ROOT [RESPONSE_FILE]   (default: bindings/dpdk.rsp)");
    return 2;
}

var root = Path.GetFullPath(args[0]);
var options = Options.Load(Path.Combine(root, args.Length > 1 ? args[1] : "bindings/dpdk.rsp"));

var exports = options.Libraries.ToDictionary(l => l.Key,
    l => ElfSymbols.Exported(Path.Combine(options.LibraryDirectory, l.Value)), StringComparer.Ordinal);

var clangArgs = new List<string> { "-x", "c", "-std=gnu11" };
clangArgs.AddRange(PkgConfigCflags(options.PkgConfig));

// One umbrella source: the headers, then one variable per constant so clang evaluates the macro.
var umbrella = new StringBuilder();
foreach (var header in options.Headers)
    umbrella.Append("#include <").Append(header).Append(">\n");
foreach (var constant in options.Constants)
    umbrella.Append("static const __auto_type ").Append(Collector.ConstantPrefix).Append(constant)
        .Append(" = (").Append(constant).Append(");\n");

var model = Parse(clangArgs, umbrella.ToString(), tu => new Collector(options, clang_getTranslationUnitCursor(tu), exports).Collect());

var csharp = new OutputDirectory(Path.Combine(root, options.OutputCSharp));
new CSharpEmitter(options, model).Emit(csharp);
csharp.Flush(".cs");

var native = new OutputDirectory(Path.Combine(root, options.OutputNative));
new NativeEmitter(options, model).Emit(native);
native.Flush(".c", ".h");

var tests = new OutputDirectory(Path.Combine(root, options.OutputTests));
new TestEmitter(options, model).Emit(tests);
tests.Flush(".cs");

Console.WriteLine($"bindings: {model.Records.Count} records, {model.Enums.Count} enums, {model.Functions.Count} functions, " +
                  $"{model.Constants.Count} constants, {model.ShimFunctions.Count} shim exports");
return 0;

static string[] PkgConfigCflags(string package)
{
    var psi = new ProcessStartInfo("pkg-config", ["--cflags", package]) { RedirectStandardOutput = true };
    using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start pkg-config");
    var output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
        throw new InvalidOperationException($"pkg-config --cflags {package} failed: install libdpdk-dev");
    return output.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
}

static unsafe BindingModel Parse(List<string> clangArgs, string source, Func<nint, BindingModel> collect)
{
    const string fileName = "synthex_bindings.c";
    var index = clang_createIndex(0, 0);
    var pinned = new List<nint>();
    nint Utf8(string s)
    {
        var p = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8(s);
        pinned.Add(p);
        return p;
    }
    try
    {
        var argv = clangArgs.Select(Utf8).ToArray();
        var unsaved = new CXUnsavedFile
        {
            Filename = (byte*)Utf8(fileName), Contents = (byte*)Utf8(source), Length = (nuint)Encoding.UTF8.GetByteCount(source),
        };
        nint tu;
        int error;
        fixed (nint* a = argv)
            error = clang_parseTranslationUnit2(index, (byte*)Utf8(fileName), (byte**)a, argv.Length, &unsaved, 1,
                DetailedPreprocessingRecord | SkipFunctionBodies, &tu);
        if (error != 0)
            throw new InvalidOperationException($"libclang could not parse the headers (CXErrorCode {error})");
        try
        {
            var errors = 0;
            var missingFile = false;
            for (uint i = 0; i < clang_getNumDiagnostics(tu); i++)
            {
                var d = clang_getDiagnostic(tu, i);
                if (clang_getDiagnosticSeverity(d) >= 3)
                    errors++;
                var text = Take(clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions()));
                missingFile |= text.Contains("file not found", StringComparison.Ordinal);
                Console.Error.WriteLine(text);
                clang_disposeDiagnostic(d);
            }
            if (errors > 0)
                throw new InvalidOperationException($"{errors} error(s) parsing the DPDK headers (see above)" + (missingFile
                    ? ". A missing stddef.h or *intrin.h means clang's own headers are absent: install libclang-common-14-dev"
                    : ""));
            return collect(tu);
        }
        finally
        {
            clang_disposeTranslationUnit(tu);
        }
    }
    finally
    {
        foreach (var p in pinned)
            System.Runtime.InteropServices.Marshal.FreeCoTaskMem(p);
        clang_disposeIndex(index);
    }
}
