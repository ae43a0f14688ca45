using System.Runtime.InteropServices;

namespace Synthex.Dpdk.BindingGen.Clang;

// The slice of libclang's C API (clang-c/Index.h, LLVM 14) the generator uses. Debian ships it
// as libclang1-14; the soname is resolved by the dynamic loader, so no SDK or NuGet package is
// involved. Struct layouts below mirror Index.h exactly (they are passed by value).

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXString
{
    public void* Data;
    public uint PrivateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXCursor
{
    public CXCursorKind Kind;
    public int XData;
    public void* Data0, Data1, Data2;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXType
{
    public CXTypeKind Kind;
    public void* Data0, Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceLocation
{
    public void* Ptr0, Ptr1;
    public uint IntData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

internal enum CXCursorKind
{
    StructDecl = 2,
    UnionDecl = 3,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    FunctionDecl = 8,
    VarDecl = 9,
    ParmDecl = 10,
    TypedefDecl = 20,
    MacroDefinition = 501,
}

internal enum CXTypeKind
{
    Invalid = 0,
    Unexposed = 1,
    Void = 2,
    Bool = 3,
    Char_U = 4,
    UChar = 5,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    UInt128 = 12,
    Char_S = 13,
    SChar = 14,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Int128 = 20,
    Float = 21,
    Double = 22,
    LongDouble = 23,
    Pointer = 101,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionNoProto = 110,
    FunctionProto = 111,
    ConstantArray = 112,
    Vector = 113,
    IncompleteArray = 114,
    Elaborated = 119,
    Attributed = 163,
    Atomic = 177,
}

internal enum CXChildVisitResult { Break = 0, Continue = 1, Recurse = 2 }

internal static unsafe partial class LibClang
{
    private const string Lib = "libclang-14.so.1";

    public const uint DetailedPreprocessingRecord = 0x01;
    public const uint SkipFunctionBodies = 0x40;
    public const int EvalInt = 1;

    [LibraryImport(Lib)] public static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);
    [LibraryImport(Lib)] public static partial void clang_disposeIndex(nint index);
    [LibraryImport(Lib)]
    public static partial int clang_parseTranslationUnit2(nint index, byte* sourceFilename, byte** commandLineArgs, int numArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, uint options, nint* outTu);
    [LibraryImport(Lib)] public static partial void clang_disposeTranslationUnit(nint tu);
    [LibraryImport(Lib)] public static partial uint clang_getNumDiagnostics(nint tu);
    [LibraryImport(Lib)] public static partial nint clang_getDiagnostic(nint tu, uint index);
    [LibraryImport(Lib)] public static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);
    [LibraryImport(Lib)] public static partial uint clang_defaultDiagnosticDisplayOptions();
    [LibraryImport(Lib)] public static partial int clang_getDiagnosticSeverity(nint diagnostic);
    [LibraryImport(Lib)] public static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(Lib)] public static partial CXCursor clang_getTranslationUnitCursor(nint tu);
    [LibraryImport(Lib)]
    public static partial uint clang_visitChildren(CXCursor parent,
        delegate* unmanaged<CXCursor, CXCursor, nint, CXChildVisitResult> visitor, nint clientData);
    [LibraryImport(Lib)]
    public static partial uint clang_Type_visitFields(CXType type, delegate* unmanaged<CXCursor, nint, int> visitor, nint clientData);

    [LibraryImport(Lib)] public static partial CXString clang_getCursorSpelling(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getCursorType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);
    [LibraryImport(Lib)] public static partial void clang_getSpellingLocation(CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);
    [LibraryImport(Lib)] public static partial CXString clang_getFileName(nint file);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isAnonymous(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isBitField(CXCursor cursor);
    [LibraryImport(Lib)] public static partial int clang_getFieldDeclBitWidth(CXCursor cursor);
    [LibraryImport(Lib)] public static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);
    [LibraryImport(Lib)] public static partial int clang_Cursor_getNumArguments(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);
    [LibraryImport(Lib)] public static partial CXCursor clang_getCursorDefinition(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isNull(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial long clang_getEnumConstantDeclValue(CXCursor cursor);
    [LibraryImport(Lib)] public static partial ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);
    [LibraryImport(Lib)] public static partial nint clang_Cursor_Evaluate(CXCursor cursor);
    [LibraryImport(Lib)] public static partial int clang_EvalResult_getKind(nint result);
    [LibraryImport(Lib)] public static partial uint clang_EvalResult_isUnsignedInt(nint result);
    [LibraryImport(Lib)] public static partial ulong clang_EvalResult_getAsUnsigned(nint result);
    [LibraryImport(Lib)] public static partial long clang_EvalResult_getAsLongLong(nint result);
    [LibraryImport(Lib)] public static partial void clang_EvalResult_dispose(nint result);

    [LibraryImport(Lib)] public static partial CXString clang_getTypeSpelling(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getCanonicalType(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getPointeeType(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getArrayElementType(CXType type);
    [LibraryImport(Lib)] public static partial long clang_getArraySize(CXType type);
    [LibraryImport(Lib)] public static partial CXCursor clang_getTypeDeclaration(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Type_getSizeOf(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Type_getAlignOf(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getResultType(CXType type);
    [LibraryImport(Lib)] public static partial int clang_getNumArgTypes(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getArgType(CXType type, uint index);
    [LibraryImport(Lib)] public static partial uint clang_isFunctionTypeVariadic(CXType type);

    [LibraryImport(Lib)] public static partial byte* clang_getCString(CXString str);
    [LibraryImport(Lib)] public static partial void clang_disposeString(CXString str);

    /// <summary>Copies a CXString into managed memory and releases it.</summary>
    public static string Take(CXString str)
    {
        try { return Marshal.PtrToStringUTF8((nint)clang_getCString(str)) ?? ""; }
        finally { clang_disposeString(str); }
    }
}
