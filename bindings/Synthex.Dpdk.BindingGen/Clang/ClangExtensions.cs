using System.Runtime.InteropServices;
using static Synthex.Dpdk.BindingGen.Clang.LibClang;

namespace Synthex.Dpdk.BindingGen.Clang;

/// <summary>Readable accessors over libclang cursors and types.</summary>
internal static unsafe class ClangExtensions
{
    public static string Spelling(this CXCursor c) => Take(clang_getCursorSpelling(c));
    public static string Spelling(this CXType t) => Take(clang_getTypeSpelling(t));
    public static CXType Type(this CXCursor c) => clang_getCursorType(c);
    public static CXType Canonical(this CXType t) => clang_getCanonicalType(t);
    public static CXType Pointee(this CXType t) => clang_getPointeeType(t);
    public static CXType Element(this CXType t) => clang_getArrayElementType(t);
    public static long ArraySize(this CXType t) => clang_getArraySize(t);
    public static CXCursor Declaration(this CXType t) => clang_getTypeDeclaration(t);
    public static long SizeOf(this CXType t) => clang_Type_getSizeOf(t);
    public static long AlignOf(this CXType t) => clang_Type_getAlignOf(t);
    public static bool IsNull(this CXCursor c) => clang_Cursor_isNull(c) != 0;

    /// <summary>True for a record without a tag name (anonymous member or a typedef'd one).</summary>
    public static bool IsUnnamedRecord(this CXCursor c) => clang_Cursor_isAnonymous(c) != 0;

    /// <summary>The header a declaration was spelled in, as a file name ("rte_mbuf_core.h").</summary>
    public static string FileName(this CXCursor c)
    {
        nint file;
        uint line, column, offset;
        clang_getSpellingLocation(clang_getCursorLocation(c), &file, &line, &column, &offset);
        return file == 0 ? "" : Path.GetFileName(Take(clang_getFileName(file)));
    }

    /// <summary>The direct children of a cursor, in source order.</summary>
    public static List<CXCursor> Children(this CXCursor c)
    {
        var list = new List<CXCursor>();
        var handle = GCHandle.Alloc(list);
        try { clang_visitChildren(c, &VisitChild, GCHandle.ToIntPtr(handle)); }
        finally { handle.Free(); }
        return list;
    }

    /// <summary>
    /// The fields of a record type in declaration order, including the unnamed fields that
    /// hold anonymous structs and unions (clang_visitChildren shows only their record decls).
    /// </summary>
    public static List<CXCursor> Fields(this CXType t)
    {
        var list = new List<CXCursor>();
        var handle = GCHandle.Alloc(list);
        try { clang_Type_visitFields(t, &VisitField, GCHandle.ToIntPtr(handle)); }
        finally { handle.Free(); }
        return list;
    }

    [UnmanagedCallersOnly]
    private static CXChildVisitResult VisitChild(CXCursor cursor, CXCursor parent, nint data)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(data).Target!).Add(cursor);
        return CXChildVisitResult.Continue;
    }

    [UnmanagedCallersOnly]
    private static int VisitField(CXCursor cursor, nint data)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(data).Target!).Add(cursor);
        return 1; // CXVisit_Continue
    }

    /// <summary>Strips typedefs, elaboration and attributes: the type the ABI sees.</summary>
    public static CXType Resolved(this CXType t)
    {
        var c = t.Canonical();
        return c.Kind == CXTypeKind.Invalid ? t : c;
    }
}
