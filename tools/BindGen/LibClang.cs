using System.Reflection;
using System.Runtime.InteropServices;

namespace Robotics.Tools.BindGen;

// The few entry points of libclang's stable C API (clang-c/Index.h, LLVM 14) that the generator needs.
// Hand-written on purpose: this is the bootstrap that generates everything else.
// Struct layouts follow Index.h: CXCursor {kind, xdata, data[3]} = 32 B, CXType {kind, data[2]} = 24 B,
// CXString {data, flags} = 16 B, CXSourceLocation {ptr_data[2], int_data} = 24 B.

[StructLayout(LayoutKind.Sequential)]
internal struct CXString { public nint Data; public uint Flags; }

[StructLayout(LayoutKind.Sequential)]
internal struct CXCursor { public CXCursorKind Kind; public int XData; public nint D0, D1, D2; }

[StructLayout(LayoutKind.Sequential)]
internal struct CXType { public CXTypeKind Kind; public nint D0, D1; }

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceLocation { public nint P0, P1; public uint IntData; }

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceRange { public nint P0, P1; public uint Begin, End; }

[StructLayout(LayoutKind.Sequential)]
internal struct CXToken { public uint I0, I1, I2, I3; public nint Ptr; }

internal enum CXCursorKind
{
    StructDecl = 2, UnionDecl = 3, EnumDecl = 5, FieldDecl = 6, EnumConstantDecl = 7,
    FunctionDecl = 8, VarDecl = 9, ParmDecl = 10, TypedefDecl = 20, MacroDefinition = 501,
}

internal enum CXTypeKind
{
    Invalid = 0, Unexposed = 1, Void = 2, Bool = 3, Char_U = 4, UChar = 5, UShort = 8, UInt = 9,
    ULong = 10, ULongLong = 11, Char_S = 13, SChar = 14, Short = 16, Int = 17, Long = 18,
    LongLong = 19, Float = 21, Double = 22, LongDouble = 23,
    Pointer = 101, Record = 105, Enum = 106, Typedef = 107, FunctionNoProto = 110,
    FunctionProto = 111, ConstantArray = 112, IncompleteArray = 114, Elaborated = 119,
}

internal enum CXChildVisitResult { Break = 0, Continue = 1, Recurse = 2 }

internal static unsafe partial class Clang
{
    private const string Lib = "clang";

    static Clang()
    {
        // Debian's libclang1-14 installs libclang-14.so.1 (and /usr/lib/llvm-14/lib/libclang.so.1).
        NativeLibrary.SetDllImportResolver(typeof(Clang).Assembly, (name, asm, path) =>
        {
            if (name != Lib) return 0;
            foreach (var candidate in new[] { "libclang-14.so.1", "/usr/lib/llvm-14/lib/libclang.so.1", "libclang.so.1" })
                if (NativeLibrary.TryLoad(candidate, out var h)) return h;
            throw new DllNotFoundException(
                "libclang-14 was not found. Install it with: apt-get install libclang1-14 libclang-common-14-dev");
        });
    }

    public const uint TranslationUnit_DetailedPreprocessingRecord = 0x01;
    public const uint TranslationUnit_SkipFunctionBodies = 0x40;

    [LibraryImport(Lib)] public static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);
    [LibraryImport(Lib)] public static partial void clang_disposeIndex(nint index);
    [LibraryImport(Lib)] public static partial nint clang_parseTranslationUnit(nint index, byte* sourceFilename, byte** args, int numArgs, nint unsavedFiles, uint numUnsaved, uint options);
    [LibraryImport(Lib)] public static partial void clang_disposeTranslationUnit(nint tu);
    [LibraryImport(Lib)] public static partial uint clang_getNumDiagnostics(nint tu);
    [LibraryImport(Lib)] public static partial nint clang_getDiagnostic(nint tu, uint index);
    [LibraryImport(Lib)] public static partial int clang_getDiagnosticSeverity(nint diagnostic);
    [LibraryImport(Lib)] public static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);
    [LibraryImport(Lib)] public static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(Lib)] public static partial CXCursor clang_getTranslationUnitCursor(nint tu);
    [LibraryImport(Lib)] public static partial uint clang_visitChildren(CXCursor parent, delegate* unmanaged<CXCursor, CXCursor, nint, CXChildVisitResult> visitor, nint clientData);
    [LibraryImport(Lib)] public static partial CXString clang_getCursorSpelling(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getCursorType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getCursorResultType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial int clang_Cursor_getNumArguments(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);
    [LibraryImport(Lib)] public static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isAnonymousRecordDecl(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isBitField(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);
    [LibraryImport(Lib)] public static partial int clang_Cursor_getStorageClass(CXCursor cursor);
    [LibraryImport(Lib)] public static partial uint clang_Cursor_isVariadic(CXCursor cursor);
    [LibraryImport(Lib)] public static partial long clang_getEnumConstantDeclValue(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);
    [LibraryImport(Lib)] public static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);
    [LibraryImport(Lib)] public static partial void clang_getSpellingLocation(CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);
    [LibraryImport(Lib)] public static partial CXString clang_getFileName(nint file);
    [LibraryImport(Lib)] public static partial uint clang_equalCursors(CXCursor a, CXCursor b);

    [LibraryImport(Lib)] public static partial CXType clang_getCanonicalType(CXType type);
    [LibraryImport(Lib)] public static partial CXString clang_getTypeSpelling(CXType type);
    [LibraryImport(Lib)] public static partial CXString clang_getTypedefName(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getPointeeType(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getArrayElementType(CXType type);
    [LibraryImport(Lib)] public static partial long clang_getArraySize(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Type_getSizeOf(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Type_getAlignOf(CXType type);
    [LibraryImport(Lib)] public static partial long clang_Type_getOffsetOf(CXType type, byte* fieldName);
    [LibraryImport(Lib)] public static partial CXType clang_Type_getNamedType(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getResultType(CXType type);
    [LibraryImport(Lib)] public static partial int clang_getNumArgTypes(CXType type);
    [LibraryImport(Lib)] public static partial CXType clang_getArgType(CXType type, uint index);
    [LibraryImport(Lib)] public static partial uint clang_isFunctionTypeVariadic(CXType type);
    [LibraryImport(Lib)] public static partial CXCursor clang_getTypeDeclaration(CXType type);

    [LibraryImport(Lib)] public static partial void clang_tokenize(nint tu, CXSourceRange range, CXToken** tokens, uint* numTokens);
    [LibraryImport(Lib)] public static partial CXString clang_getTokenSpelling(nint tu, CXToken token);
    [LibraryImport(Lib)] public static partial void clang_disposeTokens(nint tu, CXToken* tokens, uint numTokens);

    [LibraryImport(Lib)] public static partial nint clang_getCString(CXString s);
    [LibraryImport(Lib)] public static partial void clang_disposeString(CXString s);

    /// <summary>Copies a CXString into managed memory and frees it.</summary>
    public static string Take(CXString s)
    {
        try { return Marshal.PtrToStringUTF8(clang_getCString(s)) ?? ""; }
        finally { clang_disposeString(s); }
    }

    public static string Spelling(CXCursor c) => Take(clang_getCursorSpelling(c));
    public static string Spelling(CXType t) => Take(clang_getTypeSpelling(t));

    /// <summary>File and line where a cursor is spelled.</summary>
    public static (string File, int Line) Location(CXCursor c)
    {
        nint file; uint line, col, off;
        clang_getSpellingLocation(clang_getCursorLocation(c), &file, &line, &col, &off);
        return (file == 0 ? "" : Take(clang_getFileName(file)), (int)line);
    }

    /// <summary>The direct children of a cursor, in source order.</summary>
    public static List<CXCursor> Children(CXCursor parent)
    {
        var list = new List<CXCursor>();
        var handle = GCHandle.Alloc(list);
        try { clang_visitChildren(parent, &Visit, GCHandle.ToIntPtr(handle)); }
        finally { handle.Free(); }
        return list;
    }

    [UnmanagedCallersOnly]
    private static CXChildVisitResult Visit(CXCursor cursor, CXCursor parent, nint data)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(data).Target!).Add(cursor);
        return CXChildVisitResult.Continue;
    }
}
