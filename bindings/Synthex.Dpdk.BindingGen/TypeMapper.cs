using Synthex.Dpdk.BindingGen.Clang;

namespace Synthex.Dpdk.BindingGen;

/// <summary>
/// C types to blittable C# types, following ClangSharp's conventions: char → sbyte, bool → byte,
/// size_t → nuint, pointers to records we do not emit → void*, function pointers →
/// delegate* unmanaged (nint when the signature cannot be expressed).
/// </summary>
internal sealed class TypeMapper(Func<string, bool> isRecordEmitted, Func<string, bool> isEnumEmitted, Options options)
{
    // Typedefs whose width follows the pointer size: keep that in C#.
    private static readonly Dictionary<string, string> NativeSized = new(StringComparer.Ordinal)
    {
        ["size_t"] = "nuint", ["ssize_t"] = "nint", ["uintptr_t"] = "nuint", ["intptr_t"] = "nint", ["ptrdiff_t"] = "nint",
    };

    public static string? Primitive(CXTypeKind kind) => kind switch
    {
        CXTypeKind.Void => "void",
        CXTypeKind.Bool => "byte",
        CXTypeKind.Char_S or CXTypeKind.SChar => "sbyte",
        CXTypeKind.Char_U or CXTypeKind.UChar => "byte",
        CXTypeKind.Short => "short",
        CXTypeKind.UShort => "ushort",
        CXTypeKind.Int => "int",
        CXTypeKind.UInt => "uint",
        CXTypeKind.Long or CXTypeKind.LongLong => "long",      // LP64: long is 64-bit
        CXTypeKind.ULong or CXTypeKind.ULongLong => "ulong",
        CXTypeKind.Float => "float",
        CXTypeKind.Double => "double",
        _ => null,
    };

    /// <summary>Element types C# accepts in a fixed-size buffer.</summary>
    public static bool IsFixedBufferElement(string cs) =>
        cs is "byte" or "sbyte" or "short" or "ushort" or "int" or "uint" or "long" or "ulong" or "float" or "double";

    /// <summary>The C# name of a record type's declaration ("struct rte_mbuf" → "rte_mbuf").</summary>
    public static string RecordName(CXType recordType)
    {
        var name = recordType.Resolved().Declaration().Spelling();
        if (name.Length == 0 || name.Contains('('))
            name = recordType.Resolved().Spelling();
        foreach (var prefix in new[] { "const ", "volatile ", "struct ", "union " })
            if (name.StartsWith(prefix, StringComparison.Ordinal))
                name = name[prefix.Length..];
        return name;
    }

    /// <summary>An untagged record reached through a named field (<c>union { ... } hash;</c>).</summary>
    public static bool IsUnnamed(CXType recordType)
    {
        var spelling = recordType.Resolved().Spelling();
        return spelling.Contains("(anonymous", StringComparison.Ordinal) || spelling.Contains("(unnamed", StringComparison.Ordinal);
    }

    public string RemapRecord(string cName) => options.Remaps.TryGetValue(cName, out var cs) ? cs : cName;

    /// <summary>Maps a type used as a field, parameter or return value (arrays decay to pointers).</summary>
    public string Map(CXType declared)
    {
        var spelling = StripQualifiers(declared.Spelling());
        if (NativeSized.TryGetValue(spelling, out var sized))
            return sized;

        var t = declared.Resolved();
        if (Primitive(t.Kind) is { } p)
            return p;
        switch (t.Kind)
        {
            case CXTypeKind.Pointer:
                return MapPointer(t.Pointee());
            case CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray:
                return MapPointee(t.Element()) + "*";
            case CXTypeKind.Record:
                var name = RecordName(t);
                if (!isRecordEmitted(name))
                    throw new NotSupportedException($"record '{name}' is used by value but not emitted: add --struct {name}");
                return RemapRecord(name);
            case CXTypeKind.Enum:
                var enumName = RecordName(t);
                return isEnumEmitted(enumName) ? enumName : EnumUnderlying(t);
            default:
                throw new NotSupportedException($"C type '{declared.Spelling()}' ({t.Kind}) has no C# mapping");
        }
    }

    public static string EnumUnderlying(CXType enumType) =>
        Primitive(LibClang.clang_getEnumDeclIntegerType(enumType.Resolved().Declaration()).Resolved().Kind) ?? "int";

    private string MapPointer(CXType pointee)
    {
        var resolved = pointee.Resolved();
        if (resolved.Kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto)
            return FunctionPointer(resolved);
        return MapPointee(pointee) + "*";
    }

    /// <summary>What a pointer points to: records we do not emit become void.</summary>
    private string MapPointee(CXType pointee)
    {
        var spelling = StripQualifiers(pointee.Spelling());
        if (NativeSized.TryGetValue(spelling, out var sized))
            return sized;
        var t = pointee.Resolved();
        if (Primitive(t.Kind) is { } p)
            return p;
        return t.Kind switch
        {
            CXTypeKind.Pointer => t.Pointee().Resolved().Kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto
                ? "void*"                       // pointer to a function pointer: rare, keep it opaque
                : MapPointee(t.Pointee()) + "*",
            CXTypeKind.Record => isRecordEmitted(RecordName(t)) && !IsUnnamed(t) ? RemapRecord(RecordName(t)) : "void",
            CXTypeKind.Enum => isEnumEmitted(RecordName(t)) ? RecordName(t) : EnumUnderlying(t),
            CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray => MapPointee(t.Element()),
            _ => "void",
        };
    }

    /// <summary>delegate* unmanaged&lt;args, ret&gt;, or nint when a part cannot be expressed.</summary>
    private string FunctionPointer(CXType function)
    {
        if (function.Kind != CXTypeKind.FunctionProto || LibClang.clang_isFunctionTypeVariadic(function) != 0)
            return "nint";
        try
        {
            var parts = new List<string>();
            var count = LibClang.clang_getNumArgTypes(function);
            for (uint i = 0; i < count; i++)
                parts.Add(Map(LibClang.clang_getArgType(function, i)));
            parts.Add(Map(LibClang.clang_getResultType(function)));
            return $"delegate* unmanaged<{string.Join(", ", parts)}>";
        }
        catch (NotSupportedException)
        {
            return "nint";
        }
    }

    public static string StripQualifiers(string spelling)
    {
        foreach (var q in new[] { "const ", "volatile " })
            while (spelling.StartsWith(q, StringComparison.Ordinal))
                spelling = spelling[q.Length..];
        return spelling.Trim();
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>A C identifier as a C# identifier (keywords get '@').</summary>
    public static string Identifier(string name) => Keywords.Contains(name) ? "@" + name : name;
}
