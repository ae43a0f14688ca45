namespace Synthex.Dpdk.BindingGen;

// What one parse produces, independent of the languages it is written out in. Every emitter
// (C#, the shim's C, the layout tests) reads this model, so they cannot disagree.

/// <summary>A struct or union, with anonymous members flattened into it at their absolute offsets.</summary>
internal sealed class RecordModel
{
    public required string CName { get; init; }          // rte_mbuf
    public required string CSpelling { get; init; }      // "struct rte_mbuf", or a typedef name
    public required string CsName { get; init; }         // rte_mbuf, or _hash_e__Union when nested
    public required string Header { get; init; }
    public required long Size { get; init; }
    public required long Align { get; init; }
    public bool IsUnion { get; init; }
    public bool IsOpaque { get; init; }
    public List<MemberModel> Members { get; } = [];

    /// <summary>Types declared inside this one: anonymous records reached through named fields, inline arrays.</summary>
    public List<RecordModel> Nested { get; } = [];

    /// <summary>For an [InlineArray] helper: the element count (0 for ordinary records).</summary>
    public long InlineArrayLength { get; init; }
}

internal enum FieldShape
{
    Plain,          // public T name;
    FixedBuffer,    // public fixed T name[N];  (primitive elements)
    InlineArray,    // public _name_e__FixedBuffer name;  (other elements)
}

internal abstract record MemberModel(string CName, string CsName, string NativeType);

/// <summary>A field at a byte offset from the start of the outermost record.</summary>
internal sealed record FieldModel(string CName, string CsName, string NativeType, string CsType, long Offset, FieldShape Shape,
    long Length, RecordModel? NestedType) : MemberModel(CName, CsName, NativeType)
{
    /// <summary>Storage units of bit-fields have no C name and are not in the layout probe.</summary>
    public bool IsBitfieldStorage => CName.Length == 0;
}

/// <summary>A bit-field: an accessor property over its storage unit.</summary>
internal sealed record BitfieldModel(string CName, string CsName, string NativeType, string StorageName, string StorageCsType,
    int Shift, int Width) : MemberModel(CName, CsName, NativeType);

internal sealed record EnumModel(string CName, string Header, string CsUnderlying, List<(string Name, string Value)> Values);

internal sealed record ParameterModel(string Name, string CsType, string CType);

internal sealed record FunctionModel(string CName, string Header, string Group, string CsReturn, string CReturn,
    List<ParameterModel> Parameters, string Library, bool SuppressGcTransition);

internal sealed record ConstantModel(string Name, string Header, string CsType, string Value);

/// <summary>A function the shim exports: the sx_* name, the DPDK call it forwards to (or a C expression).</summary>
internal sealed record ShimFunctionModel(string Name, string Header, string CReturn, string CsReturn, List<ParameterModel> Parameters,
    string Body, bool SuppressGcTransition);

internal sealed class BindingModel
{
    public SortedDictionary<string, RecordModel> Records { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, EnumModel> Enums { get; } = new(StringComparer.Ordinal);
    public List<FunctionModel> Functions { get; } = [];
    public List<ConstantModel> Constants { get; } = [];
    public List<ShimFunctionModel> ShimFunctions { get; } = [];
}
