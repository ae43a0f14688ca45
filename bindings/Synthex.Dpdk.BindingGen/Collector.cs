using System.Globalization;
using Synthex.Dpdk.BindingGen.Clang;
using static Synthex.Dpdk.BindingGen.Clang.LibClang;

namespace Synthex.Dpdk.BindingGen;

/// <summary>
/// Walks one translation unit and builds the <see cref="BindingModel"/>: the records the response
/// file asks for plus everything they hold by value, the enums they use, the functions with the
/// library each is exported from, the constants (macros evaluated by clang) and the shim's list.
/// </summary>
internal sealed class Collector
{
    /// <summary>Prefix of the variables the umbrella source declares to have clang evaluate macros.</summary>
    public const string ConstantPrefix = "sx_constant__";

    private readonly Options _options;
    private readonly Dictionary<string, CXCursor> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CXCursor> _declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CXCursor> _enums = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CXCursor> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CXCursor> _variables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _macroHeaders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _exports;
    private readonly SortedSet<string> _reachedRecords = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _reachedEnums = new(StringComparer.Ordinal);
    private readonly TypeMapper _map;

    public Collector(Options options, CXCursor translationUnit, Dictionary<string, HashSet<string>> exports)
    {
        _options = options;
        _exports = exports;
        _map = new TypeMapper(_reachedRecords.Contains, _reachedEnums.Contains, options);
        foreach (var c in translationUnit.Children())
        {
            var name = c.Spelling();
            switch (c.Kind)
            {
                case CXCursorKind.StructDecl or CXCursorKind.UnionDecl when name.Length > 0:
                    var definition = clang_getCursorDefinition(c);
                    if (!definition.IsNull())
                        _records[name] = definition;
                    else
                        _declared.TryAdd(name, c);                 // opaque: only ever forward-declared
                    break;
                case CXCursorKind.TypedefDecl:
                    // typedef struct { ... } name;  — an untagged record known by its typedef.
                    var target = c.Type().Resolved();
                    if (target.Kind == CXTypeKind.Record && !_records.ContainsKey(name) && TypeMapper.RecordName(target) == name)
                        _records[name] = target.Declaration();
                    break;
                case CXCursorKind.EnumDecl when name.Length > 0:
                    _enums[name] = c;
                    break;
                case CXCursorKind.FunctionDecl:
                    _functions.TryAdd(name, c);
                    break;
                case CXCursorKind.VarDecl when name.StartsWith(ConstantPrefix, StringComparison.Ordinal):
                    _variables[name[ConstantPrefix.Length..]] = c;
                    break;
                case CXCursorKind.MacroDefinition:
                    _macroHeaders.TryAdd(name, c.FileName());
                    break;
            }
        }
    }

    public BindingModel Collect()
    {
        var model = new BindingModel();

        // 1. The closure of records and enums: listed ones plus everything held by value.
        foreach (var name in _options.Structs)
            if (!_records.ContainsKey(name))
                throw new InvalidOperationException($"--struct {name}: no such record defined in the parsed headers");
        foreach (var name in _options.Opaque)
        {
            if (!_records.ContainsKey(name))
                _records[name] = Require(_declared, name, "--opaque");
            _reachedRecords.Add(name);
        }
        foreach (var name in _options.Structs)
            Reach(_records[name].Type());
        foreach (var name in _options.Enums)
            _reachedEnums.Add(Require(_enums, name, "--enum").Spelling());

        // 2. Functions first: their by-value enums join the closure before anything is emitted.
        foreach (var name in _options.Functions.Where(n => !_options.Excludes.Contains(n)))
            ReachSignature(Require(_functions, name, "--function"));
        foreach (var name in _options.Inline)
            ReachSignature(Require(_functions, name, "--inline"));

        var builder = new RecordBuilder(_map, _options);
        foreach (var name in _reachedRecords)
        {
            var cursor = _records[name];
            model.Records[name] = _options.Opaque.Contains(name)
                ? new RecordModel
                {
                    CName = name, CSpelling = Spelling(cursor), CsName = _map.RemapRecord(name), Header = cursor.FileName(),
                    Size = Math.Max(0, cursor.Type().SizeOf()), Align = Math.Max(0, cursor.Type().AlignOf()), IsOpaque = true,
                }
                : builder.Build(cursor.Type(), name, Spelling(cursor), _map.RemapRecord(name), cursor.FileName());
        }

        foreach (var name in _reachedEnums)
            model.Enums[name] = BuildEnum(_enums[name]);

        foreach (var name in _options.Functions.Where(n => !_options.Excludes.Contains(n)))
            model.Functions.Add(BuildFunction(_functions[name]));
        model.Functions.Sort((a, b) => string.CompareOrdinal(a.CName, b.CName));

        foreach (var name in _options.Constants)
            model.Constants.Add(BuildConstant(name));
        model.Constants.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        foreach (var name in _options.Inline)
            model.ShimFunctions.Add(BuildShimFunction(_functions[name]));
        foreach (var (name, (type, expression)) in _options.ShimValues)
        {
            var cs = type == "int" ? "int" : throw new NotSupportedException($"--shim-value {name}: only int values are supported");
            model.ShimFunctions.Add(new ShimFunctionModel(name, "", type, cs, [], $"return {expression};",
                _options.SuppressGcTransition.Contains(name)));
        }
        model.ShimFunctions.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));

        // A typo here would silently leave a hot call transitioning: refuse it.
        var bound = model.ShimFunctions.Select(f => f.Name).Concat(model.Functions.Select(f => f.CName)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in _options.SuppressGcTransition.Order(StringComparer.Ordinal))
            if (!bound.Contains(name))
                throw new InvalidOperationException($"--suppress-gc-transition {name}: no bound function or shim export has that name");
        return model;
    }

    private static string Spelling(CXCursor record)
    {
        var tag = record.Spelling();
        // A typedef'd untagged record is spelled by its typedef name alone.
        if (record.IsUnnamedRecord())
            return TypeMapper.RecordName(record.Type());
        return (record.Kind == CXCursorKind.UnionDecl ? "union " : "struct ") + tag;
    }

    private static CXCursor Require(Dictionary<string, CXCursor> table, string name, string option) =>
        table.TryGetValue(name, out var c) ? c : throw new InvalidOperationException($"{option} {name}: not declared in the parsed headers");

    /// <summary>Adds a record and everything it holds by value to the closure.</summary>
    private void Reach(CXType recordType)
    {
        var t = recordType.Resolved();
        if (!TypeMapper.IsUnnamed(t))
        {
            var name = TypeMapper.RecordName(t);
            if (_options.Excludes.Contains(name) || !_reachedRecords.Add(name))
                return;
            if (!_records.ContainsKey(name))
                _records[name] = t.Declaration();
        }
        foreach (var field in t.Fields())
            ReachValue(field.Type());
    }

    private void ReachValue(CXType type)
    {
        var t = type.Resolved();
        while (t.Kind == CXTypeKind.ConstantArray)
            t = t.Element().Resolved();
        if (t.Kind == CXTypeKind.Record)
            Reach(t);
        else if (t.Kind == CXTypeKind.Enum)
            _reachedEnums.Add(TypeMapper.RecordName(t));
    }

    private void ReachSignature(CXCursor function)
    {
        var type = function.Type();
        ReachValue(clang_getResultType(type));
        for (uint i = 0; i < clang_getNumArgTypes(type); i++)
            ReachValue(clang_getArgType(type, i));
    }

    private EnumModel BuildEnum(CXCursor decl)
    {
        var underlyingType = clang_getEnumDeclIntegerType(decl).Resolved();
        var underlying = TypeMapper.Primitive(underlyingType.Kind) ?? "int";
        var unsigned = underlying is "byte" or "ushort" or "uint" or "ulong";
        var values = new List<(string, string)>();
        foreach (var c in decl.Children().Where(c => c.Kind == CXCursorKind.EnumConstantDecl))
            values.Add((c.Spelling(), unsigned
                ? Literal(clang_getEnumConstantDeclUnsignedValue(c), underlying)
                : clang_getEnumConstantDeclValue(c).ToString(CultureInfo.InvariantCulture)));
        return new EnumModel(decl.Spelling(), decl.FileName(), underlying, values);
    }

    private List<ParameterModel> Parameters(CXCursor function)
    {
        var list = new List<ParameterModel>();
        var count = clang_Cursor_getNumArguments(function);
        for (uint i = 0; i < count; i++)
        {
            var p = clang_Cursor_getArgument(function, i);
            var name = p.Spelling();
            list.Add(new ParameterModel(name.Length == 0 ? $"arg{i}" : name, _map.Map(p.Type()), p.Type().Spelling()));
        }
        return list;
    }

    private FunctionModel BuildFunction(CXCursor function)
    {
        var name = function.Spelling();
        if (clang_isFunctionTypeVariadic(function.Type()) != 0)
            throw new NotSupportedException($"--function {name}: variadic functions cannot be bound; exclude it");
        var header = function.FileName();
        if (!_options.Groups.TryGetValue(header, out var group))
            throw new InvalidOperationException($"--function {name}: declared in {header}, which has no --group");
        var library = _exports.Where(e => e.Value.Contains(name)).Select(e => e.Key).Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"--function {name}: no --library exports it (static inline? then list it under --inline for the shim)");
        var result = clang_getResultType(function.Type());
        return new FunctionModel(name, header, group, _map.Map(result), result.Spelling(), Parameters(function), library,
            _options.SuppressGcTransition.Contains(name));
    }

    private ShimFunctionModel BuildShimFunction(CXCursor function)
    {
        var name = function.Spelling();
        var shimName = _options.ShimPrefix + (name.StartsWith("rte_", StringComparison.Ordinal) ? name[4..] : name);
        var result = clang_getResultType(function.Type());
        var parameters = Parameters(function);
        if (parameters.Any(p => p.CType.Contains("(*)", StringComparison.Ordinal)))
            throw new NotSupportedException($"--inline {name}: a raw function-pointer parameter needs a typedef to be re-declared in C");
        var call = $"{name}({string.Join(", ", parameters.Select(p => p.Name))})";
        return new ShimFunctionModel(shimName, function.FileName(), result.Spelling(), _map.Map(result), parameters,
            result.Resolved().Kind == CXTypeKind.Void ? call + ";" : $"return {call};",
            _options.SuppressGcTransition.Contains(shimName));
    }

    private ConstantModel BuildConstant(string name)
    {
        var variable = Require(_variables, name, "--constant");
        var cs = TypeMapper.Primitive(variable.Type().Resolved().Kind)
            ?? throw new NotSupportedException($"--constant {name}: type {variable.Type().Spelling()} is not an integer");
        var eval = clang_Cursor_Evaluate(variable);
        try
        {
            if (eval == 0 || clang_EvalResult_getKind(eval) != EvalInt)
                throw new NotSupportedException($"--constant {name}: clang cannot evaluate it as an integer");
            var value = clang_EvalResult_isUnsignedInt(eval) != 0
                ? Literal(clang_EvalResult_getAsUnsigned(eval), cs)
                : clang_EvalResult_getAsLongLong(eval).ToString(CultureInfo.InvariantCulture);
            return new ConstantModel(name, _macroHeaders.GetValueOrDefault(name, ""), cs, value);
        }
        finally
        {
            if (eval != 0)
                clang_EvalResult_dispose(eval);
        }
    }

    /// <summary>Masks read better in hex; counts and sizes in decimal.</summary>
    private static string Literal(ulong value, string cs) =>
        value >= 16 && cs is "uint" or "ulong"
            ? "0x" + value.ToString("X", CultureInfo.InvariantCulture) + (cs == "ulong" ? "UL" : "U")
            : value.ToString(CultureInfo.InvariantCulture) + (cs == "ulong" ? "UL" : cs == "uint" ? "U" : "");
}
