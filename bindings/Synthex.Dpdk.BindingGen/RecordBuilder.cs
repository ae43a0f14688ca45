using Synthex.Dpdk.BindingGen.Clang;
using static Synthex.Dpdk.BindingGen.Clang.LibClang;

namespace Synthex.Dpdk.BindingGen;

/// <summary>
/// Turns a C record into a <see cref="RecordModel"/> with explicit offsets, the shape C# needs:
/// <list type="bullet">
/// <item>anonymous structs and unions are flattened into their parent (C11 guarantees their member
/// names are unique there), so <c>m->data_len</c> reads the same in both languages;</item>
/// <item>a named field of an untagged record type becomes a nested struct (<c>_hash_e__Union</c>);</item>
/// <item>bit-fields become their storage unit plus accessor properties;</item>
/// <item>arrays of primitives become fixed buffers, other arrays [InlineArray] helper structs;</item>
/// <item>zero-length marker arrays (RTE_MARKER) take no space and are left out.</item>
/// </list>
/// All offsets are absolute, from the start of the outermost record, as clang computed them.
/// </summary>
internal sealed class RecordBuilder(TypeMapper map, Options options)
{
    public RecordModel Build(CXType type, string cName, string cSpelling, string csName, string header)
    {
        var t = type.Resolved();
        var model = new RecordModel
        {
            CName = cName, CSpelling = cSpelling, CsName = csName, Header = header,
            Size = t.SizeOf(), Align = t.AlignOf(), IsUnion = t.Declaration().Kind == CXCursorKind.UnionDecl,
        };
        AddMembers(model, t, 0, cName);
        return model;
    }

    private void AddMembers(RecordModel model, CXType recordType, long baseOffset, string excludePrefix)
    {
        foreach (var field in recordType.Fields())
        {
            var name = field.Spelling();
            var declared = field.Type();
            var t = declared.Resolved();
            var bitOffset = clang_Cursor_getOffsetOfField(field);
            var offset = baseOffset + bitOffset / 8;

            if (name.Length == 0 && t.Kind == CXTypeKind.Record)
            {
                AddMembers(model, t, offset, excludePrefix);      // anonymous struct/union: flatten
                continue;
            }
            if (name.Length == 0)
                continue;                                         // unnamed bit-field: padding, nothing to read
            if (options.Excludes.Contains(excludePrefix + "." + name))
                continue;
            var csName = TypeMapper.Identifier(options.Remaps.GetValueOrDefault(excludePrefix + "." + name, name));
            var native = declared.Spelling();

            if (clang_Cursor_isBitField(field) != 0)
            {
                AddBitfield(model, field, name, csName, native, baseOffset * 8 + bitOffset);
                continue;
            }

            if (t.Kind == CXTypeKind.ConstantArray)
            {
                AddArray(model, name, csName, native, t, offset, excludePrefix);
                continue;
            }

            if (t.Kind == CXTypeKind.IncompleteArray)
                continue;                                         // flexible array member: no storage

            if (t.Kind == CXTypeKind.Record && TypeMapper.IsUnnamed(t))
            {
                var nested = Nested(model, t, name, excludePrefix);
                model.Members.Add(new FieldModel(name, csName, native, nested.CsName, offset, FieldShape.Plain, 0, nested));
                continue;
            }

            model.Members.Add(new FieldModel(name, csName, native, map.Map(declared), offset, FieldShape.Plain, 0, null));
        }
    }

    /// <summary>A nested struct for an untagged record reached through a named field.</summary>
    private RecordModel Nested(RecordModel parent, CXType t, string fieldName, string excludePrefix)
    {
        var kind = t.Declaration().Kind == CXCursorKind.UnionDecl ? "Union" : "Struct";
        var nested = new RecordModel
        {
            CName = fieldName, CSpelling = "", CsName = $"_{fieldName}_e__{kind}", Header = parent.Header,
            Size = t.SizeOf(), Align = t.AlignOf(), IsUnion = kind == "Union",
        };
        AddMembers(nested, t, 0, excludePrefix + "." + fieldName);
        parent.Nested.Add(nested);
        return nested;
    }

    private void AddArray(RecordModel model, string name, string csName, string native, CXType t, long offset, string excludePrefix)
    {
        // Multi-dimensional arrays are stored flat, row after row, as in C.
        long length = 1;
        var element = t;
        while (element.Kind == CXTypeKind.ConstantArray)
        {
            length *= element.ArraySize();
            element = element.Element().Resolved();
        }
        if (length == 0)
            return;                                               // RTE_MARKER: a name for an offset, no storage

        string elementCs;
        if (element.Kind == CXTypeKind.Record && TypeMapper.IsUnnamed(element))
            elementCs = Nested(model, element, name, excludePrefix).CsName;
        else if (element.Kind == CXTypeKind.Pointer)
            elementCs = "nint";                                   // pointers cannot be generic or fixed-buffer elements
        else
            elementCs = map.Map(element);

        if (TypeMapper.IsFixedBufferElement(elementCs))
        {
            model.Members.Add(new FieldModel(name, csName, native, elementCs, offset, FieldShape.FixedBuffer, length, null));
            return;
        }
        var buffer = new RecordModel
        {
            CName = name, CSpelling = "", CsName = $"_{name}_e__FixedBuffer", Header = model.Header,
            Size = t.SizeOf(), Align = element.AlignOf(), InlineArrayLength = length,
        };
        buffer.Members.Add(new FieldModel("", "e0", element.Spelling(), elementCs, 0, FieldShape.Plain, 0, null));
        model.Nested.Add(buffer);
        model.Members.Add(new FieldModel(name, csName, native, buffer.CsName, offset, FieldShape.InlineArray, length, buffer));
    }

    private static void AddBitfield(RecordModel model, CXCursor field, string name, string csName, string native, long absoluteBit)
    {
        var unit = field.Type().Resolved();
        var unitCs = TypeMapper.Primitive(unit.Kind) ?? throw new NotSupportedException($"bit-field {model.CName}.{name}: type {native}");
        if (unitCs is "sbyte" or "short" or "int" or "long")
            throw new NotSupportedException($"bit-field {model.CName}.{name}: signed bit-fields are not supported yet");
        var unitBits = unit.SizeOf() * 8;
        var unitOffset = absoluteBit / unitBits * unit.SizeOf();
        var storage = StorageUnit(model, unitOffset, unitCs);
        model.Members.Add(new BitfieldModel(name, csName, native, storage, unitCs,
            (int)(absoluteBit - unitOffset * 8), clang_getFieldDeclBitWidth(field)));
    }

    /// <summary>
    /// The field holding a bit-field's storage unit: one per (offset, type), shared by all the
    /// bit-fields in it — also across union arms, which is what the C layout means.
    /// </summary>
    private static string StorageUnit(RecordModel model, long offset, string cs)
    {
        var existing = model.Members.OfType<FieldModel>().FirstOrDefault(f => f.IsBitfieldStorage && f.Offset == offset && f.CsType == cs);
        if (existing is not null)
            return existing.CsName;
        var name = $"_bitfield_{offset}";
        if (model.Members.OfType<FieldModel>().Any(f => f.CsName == name))
            name += "_" + cs;
        model.Members.Add(new FieldModel("", name, "", cs, offset, FieldShape.Plain, 0, null));
        return name;
    }
}
