using System.Globalization;

namespace Robotics.Tools.BindGen;

/// <summary>A C declaration the generator emits, in source order.</summary>
internal abstract record Decl(string Name, string Comment);

/// <summary>One array of mjModel or mjData as mjxmacro.h lists it: <c>X(type, name, dim1, dim2)</c>.</summary>
internal sealed record XArray(string CType, string Name, List<string> Dim1, List<string> Dim2);

/// <summary>An integer or floating-point <c>#define</c>.</summary>
internal sealed record ConstantDecl(string Name, string Comment, string CsType, string Value) : Decl(Name, Comment);

internal sealed record EnumDecl(string Name, string Comment, List<(string Name, long Value, string Comment)> Members) : Decl(Name, Comment);

/// <summary>A struct field, already flattened (anonymous unions contribute their members at the union's offset).</summary>
/// <param name="Name">The C field name (a C# keyword gets an @).</param>
/// <param name="Comment">The trailing comment of its line in the header.</param>
/// <param name="Primitive">Element is a C arithmetic type (a fixed buffer can hold it).</param>
/// <param name="Offset">Byte offset clang computed.</param>
/// <param name="Size">Byte size clang computed.</param>
/// <param name="CsType">Element type for arrays, the field's type otherwise.</param>
/// <param name="ArrayLength">Total element count of a (possibly multi-dimensional) array; 0 for scalars.</param>
/// <param name="Dims">Array dimensions as C writes them, for the doc comment.</param>
internal sealed record FieldDecl(string Name, string Comment, string CsType, bool Primitive, long Offset, long Size, long ArrayLength, string Dims);

internal sealed record StructDecl(string Name, string Comment, long Size, List<FieldDecl> Fields) : Decl(Name, Comment);

internal sealed record FunctionDecl(string Name, string Comment, string ReturnType, List<(string Type, string Name)> Parameters) : Decl(Name, Comment);

/// <summary>An <c>extern</c> variable exported by the library; <paramref name="PointerType"/> points at it (or at its first element).</summary>
internal sealed record GlobalDecl(string Name, string Comment, string PointerType) : Decl(Name, Comment);

/// <summary>
/// Walks a translation unit with libclang and turns the declarations of MuJoCo's own headers
/// (those under <see cref="IncludeDir"/>) into <see cref="Decl"/>s with the layout clang computed.
/// </summary>
internal sealed unsafe class HeaderReader
{
    public string IncludeDir { get; }
    private readonly Dictionary<string, string[]> _lines = new();
    private readonly Dictionary<string, string> _aliases = new();   // struct/enum tag -> typedef name
    private readonly List<StructDecl> _nested = new();
    private readonly Dictionary<(string, int), string> _anonymousEnums = new();   // location -> typedef name   // unnamed member struct types, named Owner_field

    public List<Decl> Decls { get; } = new();

    /// <summary>Functions left out, with the reason (e.g. variadic), for the generated file's header.</summary>
    public List<string> Notes { get; } = new();

    /// <summary>Optional narrower filter: only declarations from files it accepts are kept (all under <see cref="IncludeDir"/> otherwise).</summary>
    private readonly Func<string, bool>? _keepFile;

    public HeaderReader(string includeDir, Func<string, bool>? keepFile = null)
    {
        IncludeDir = Path.GetFullPath(includeDir).TrimEnd('/') + "/";
        _keepFile = keepFile;
    }

    /// <summary>Arrays listed by mjxmacro.h's X-macros: MJMODEL_POINTERS and MJDATA_POINTERS.</summary>
    public Dictionary<string, List<XArray>> XArrays { get; } = new();

    public void Read(string header, IEnumerable<string> clangArgs) => Parse(header, clangArgs, Walk);

    /// <summary>Reads <c>X( type, name, dim1, dim2 )</c> entries of the named macros in mjxmacro.h.</summary>
    public void ReadXMacros(string header, IEnumerable<string> clangArgs, params string[] macros) => Parse(header, clangArgs, tu =>
    {
        foreach (var c in Clang.Children(Clang.clang_getTranslationUnitCursor(tu)))
        {
            if (c.Kind != CXCursorKind.MacroDefinition) continue;
            var name = Clang.Spelling(c);
            if (!macros.Contains(name)) continue;
            XArrays[name] = ParseX(Tokens(tu, c).Skip(1).ToList(), name);
        }
        foreach (var m in macros)
            if (!XArrays.ContainsKey(m)) throw new InvalidOperationException($"{header} defines no {m}");
    });

    private static List<string> Tokens(nint tu, CXCursor c)
    {
        CXToken* tokens; uint n;
        Clang.clang_tokenize(tu, Clang.clang_getCursorExtent(c), &tokens, &n);
        var list = new List<string>((int)n);
        try { for (int i = 0; i < n; i++) list.Add(Clang.Take(Clang.clang_getTokenSpelling(tu, tokens[i]))); }
        finally { Clang.clang_disposeTokens(tu, tokens, n); }
        return list;
    }

    // X ( type , name , dim1 , dim2 ) X ( ... ) ...; dims are token lists such as "MJ_M ( nmocap ) * 3".
    private static List<XArray> ParseX(List<string> t, string macro)
    {
        var list = new List<XArray>();
        int i = 0;
        while (i < t.Count)
        {
            if (t[i] != "X" || t[i + 1] != "(") throw new InvalidOperationException($"{macro}: unexpected token '{t[i]}'");
            i += 2;
            var args = new List<List<string>> { new() };
            int depth = 0;
            for (; ; i++)
            {
                var tok = t[i];
                if (tok == "(") depth++;
                if (tok == ")" && depth-- == 0) { i++; break; }
                if (tok == "," && depth == 0) { args.Add(new()); continue; }
                args[^1].Add(tok);
            }
            if (args.Count != 4) throw new InvalidOperationException($"{macro}: X() with {args.Count} arguments");
            list.Add(new XArray(string.Join(" ", args[0]), string.Join("", args[1]), args[2], args[3]));
        }
        return list;
    }

    private void Parse(string header, IEnumerable<string> clangArgs, Action<nint> walk)
    {
        nint index = Clang.clang_createIndex(0, 0);
        try
        {
            var args = clangArgs.ToArray();
            var native = args.Select(a => (nint)System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8(a)).ToArray();
            nint tu;
            var path = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8(header);
            try
            {
                fixed (nint* argv = native)
                    tu = Clang.clang_parseTranslationUnit(index, (byte*)path, (byte**)argv, args.Length, 0, 0,
                        Clang.TranslationUnit_DetailedPreprocessingRecord | Clang.TranslationUnit_SkipFunctionBodies);
            }
            finally
            {
                System.Runtime.InteropServices.Marshal.FreeCoTaskMem(path);
                foreach (var p in native) System.Runtime.InteropServices.Marshal.FreeCoTaskMem(p);
            }
            if (tu == 0) throw new InvalidOperationException($"libclang could not parse {header}");
            try
            {
                CheckDiagnostics(tu, header);
                walk(tu);
            }
            finally { Clang.clang_disposeTranslationUnit(tu); }
        }
        finally { Clang.clang_disposeIndex(index); }
    }

    // Any error (a missing builtin header such as stddef.h, above all) would silently change types: refuse.
    private static void CheckDiagnostics(nint tu, string header)
    {
        var errors = new List<string>();
        uint n = Clang.clang_getNumDiagnostics(tu);
        for (uint i = 0; i < n; i++)
        {
            nint d = Clang.clang_getDiagnostic(tu, i);
            if (Clang.clang_getDiagnosticSeverity(d) >= 3) errors.Add(Clang.Take(Clang.clang_formatDiagnostic(d, 0x1 | 0x2)));
            Clang.clang_disposeDiagnostic(d);
        }
        if (errors.Count > 0)
            throw new InvalidOperationException(
                $"clang reported errors while parsing {header} (is libclang-common-14-dev installed?):\n  " + string.Join("\n  ", errors));
    }

    private bool Ours(CXCursor c, out string file, out int line)
    {
        (file, line) = Clang.Location(c);
        return file.StartsWith(IncludeDir, StringComparison.Ordinal) && (_keepFile is null || _keepFile(file));
    }

    private void Walk(nint tu)
    {
        var top = Clang.Children(Clang.clang_getTranslationUnitCursor(tu));

        // Pass 1: typedef names of tagged structs and enums (typedef struct mjModel_ mjModel;).
        foreach (var c in top)
        {
            if (c.Kind != CXCursorKind.TypedefDecl || !Ours(c, out _, out _)) continue;
            var under = Clang.clang_getCanonicalType(Clang.clang_getTypedefDeclUnderlyingType(c));
            if (under.Kind is CXTypeKind.Record or CXTypeKind.Enum)
            {
                var decl = Clang.clang_getTypeDeclaration(under);
                var tag = Clang.Spelling(decl);
                if (tag.Length > 0 && !tag.Contains(' ')) _aliases.TryAdd(tag, Clang.Spelling(c));
                // typedef enum { ... } name; has no tag: find it again by where it is declared.
                else if (under.Kind == CXTypeKind.Enum) _anonymousEnums.TryAdd(Clang.Location(decl), Clang.Spelling(c));
            }
        }

        // Pass 2: declarations in source order.
        var seenStructs = new HashSet<string>();
        var seenFunctions = new HashSet<string>();
        foreach (var c in top)
        {
            if (!Ours(c, out var file, out var line)) continue;
            switch (c.Kind)
            {
                case CXCursorKind.MacroDefinition: ReadMacro(tu, c, file, line); break;
                case CXCursorKind.EnumDecl: ReadEnum(c, file, line); break;
                case CXCursorKind.StructDecl:
                    if (Clang.Children(c).Count == 0) break;  // forward declaration
                    var s = ReadStruct(c, file, line);
                    if (!seenStructs.Add(s.Name)) break;
                    Decls.AddRange(_nested);
                    _nested.Clear();
                    Decls.Add(s);
                    break;
                case CXCursorKind.FunctionDecl:
                    var f = ReadFunction(c, file, line);
                    if (f is not null && seenFunctions.Add(f.Name)) Decls.Add(f);
                    break;
                case CXCursorKind.VarDecl: ReadGlobal(c, file, line); break;
            }
        }
    }

    // ---------------------------------------------------------------- comments

    private string[] Lines(string file)
    {
        if (!_lines.TryGetValue(file, out var l)) _lines[file] = l = File.ReadAllLines(file);
        return l;
    }

    /// <summary>The <c>// comment</c> at the end of a declaration's line.</summary>
    private string Trailing(string file, int line)
    {
        var text = Lines(file)[line - 1];
        int i = text.IndexOf("//", StringComparison.Ordinal);
        return i < 0 ? "" : Squeeze(text[(i + 2)..]);
    }

    /// <summary>The block of <c>//</c> lines right above a declaration.</summary>
    private string Leading(string file, int line)
    {
        var lines = Lines(file);
        var parts = new List<string>();
        for (int i = line - 2; i >= 0; i--)
        {
            var t = lines[i].Trim();
            if (!t.StartsWith("//", StringComparison.Ordinal) || t.StartsWith("//---", StringComparison.Ordinal)) break;
            parts.Insert(0, Squeeze(t[2..]));
        }
        return string.Join(" ", parts);
    }

    // Header comments align their columns with runs of spaces; one space reads better in a doc comment.
    private static string Squeeze(string s) => System.Text.RegularExpressions.Regex.Replace(s.Trim(), @"\s+", " ");

    // ---------------------------------------------------------------- declarations

    private void ReadMacro(nint tu, CXCursor c, string file, int line)
    {
        if (Clang.clang_Cursor_isMacroFunctionLike(c) != 0) return;
        CXToken* tokens; uint n;
        Clang.clang_tokenize(tu, Clang.clang_getCursorExtent(c), &tokens, &n);
        try
        {
            if (n != 2) return;  // name plus exactly one literal
            var name = Clang.Take(Clang.clang_getTokenSpelling(tu, tokens[0]));
            var value = Clang.Take(Clang.clang_getTokenSpelling(tu, tokens[1]));
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                Decls.Add(new ConstantDecl(name, Trailing(file, line), "int", value));
            else if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                Decls.Add(new ConstantDecl(name, Trailing(file, line), "double", value.Contains('.') || value.Contains('E') || value.Contains('e') ? value : value + ".0"));
        }
        finally { Clang.clang_disposeTokens(tu, tokens, n); }
    }

    private void ReadEnum(CXCursor c, string file, int line)
    {
        var tag = Clang.Spelling(c);
        if (tag.Length == 0 || tag.Contains(' '))
        {
            if (_anonymousEnums.TryGetValue((file, line), out var typedefName)) tag = typedefName;
            else
            {
                // A truly anonymous enum (enum { A, B };) only names constants.
                foreach (var k in Clang.Children(c))
                    if (k.Kind == CXCursorKind.EnumConstantDecl)
                    {
                        var (kf, kl) = Clang.Location(k);
                        Decls.Add(new ConstantDecl(Clang.Spelling(k), Trailing(kf, kl), "long", Clang.clang_getEnumConstantDeclValue(k).ToString(CultureInfo.InvariantCulture)));
                    }
                return;
            }
        }
        var members = new List<(string, long, string)>();
        foreach (var k in Clang.Children(c))
        {
            if (k.Kind != CXCursorKind.EnumConstantDecl) continue;
            var (f, l) = Clang.Location(k);
            members.Add((Clang.Spelling(k), Clang.clang_getEnumConstantDeclValue(k), Trailing(f, l)));
        }
        Decls.Add(new EnumDecl(Alias(tag), Trailing(file, line), members));
    }

    private StructDecl ReadStruct(CXCursor c, string file, int line)
    {
        var type = Clang.clang_getCursorType(c);
        var fields = new List<FieldDecl>();
        ReadFields(c, type, fields, Clang.Spelling(c), anonymous: false);
        return new StructDecl(Alias(Clang.Spelling(c)), Trailing(file, line), Clang.clang_Type_getSizeOf(type), fields);
    }

    private void ReadFields(CXCursor record, CXType outer, List<FieldDecl> fields, string owner, bool anonymous)
    {
        foreach (var k in Clang.Children(record))
        {
            // An anonymous union or struct member: its fields belong to the parent (C11 6.7.2.1), and
            // clang_Type_getOffsetOf walks through anonymous members to find them in the outer record.
            if (k.Kind is CXCursorKind.UnionDecl or CXCursorKind.StructDecl && Clang.clang_Cursor_isAnonymousRecordDecl(k) != 0)
            {
                ReadFields(k, outer, fields, owner, anonymous: true);
                continue;
            }
            if (k.Kind != CXCursorKind.FieldDecl) continue;
            if (Clang.clang_Cursor_isBitField(k) != 0)
                throw new NotSupportedException($"{owner}.{Clang.Spelling(k)} is a bit field; the generator does not lay those out");
            var spelled = Clang.Spelling(k);
            long offsetBits = anonymous ? OffsetOf(outer, spelled) : Clang.clang_Cursor_getOffsetOfField(k);
            if (offsetBits < 0) throw new InvalidOperationException($"clang gave no offset for {owner}.{spelled}");
            long offset = offsetBits / 8;
            var type = Clang.clang_getCursorType(k);
            var canonical = Clang.clang_getCanonicalType(type);

            var name = Escape(spelled);
            var (f, l) = Clang.Location(k);

            // A member of an unnamed struct type (struct { ... } global;) gets a named struct of its own.
            if (canonical.Kind == CXTypeKind.Record)
            {
                var decl = Clang.clang_getTypeDeclaration(canonical);
                var tag = Clang.Spelling(decl);
                bool namedUnion = decl.Kind == CXCursorKind.UnionDecl && tag.Length > 0 && !tag.Contains(' ');
                if (namedUnion ? _nested.All(n => n.Name != Alias(tag)) : tag.Length == 0 || tag.Contains("unnamed", StringComparison.Ordinal))
                {
                    // A named union member type (union u { ... } f;) keeps its name; its fields all sit at offset 0.
                    var synthesized = namedUnion ? Alias(tag) : $"{Alias(owner)}_{spelled}";
                    _aliases[tag] = synthesized;
                    var nestedFields = new List<FieldDecl>();
                    ReadFields(decl, canonical, nestedFields, synthesized, anonymous: false);
                    _nested.Add(new StructDecl(synthesized, Trailing(f, l), Clang.clang_Type_getSizeOf(canonical), nestedFields));
                }
            }
            long size = Clang.clang_Type_getSizeOf(type);
            if (canonical.Kind == CXTypeKind.ConstantArray)
            {
                // Flatten multi-dimensional arrays: char filename[2000][1000] becomes 2,000,000 bytes.
                long count = 1; var dims = new List<long>();
                var t = type;
                while (Clang.clang_getCanonicalType(t).Kind == CXTypeKind.ConstantArray)
                {
                    var ct = Clang.clang_getCanonicalType(t);
                    dims.Add(Clang.clang_getArraySize(ct));
                    count *= dims[^1];
                    t = Clang.clang_getArrayElementType(ct);
                }
                var elem = CsType(t);
                bool primitive = IsPrimitive(Clang.clang_getCanonicalType(t));
                if (Clang.clang_getCanonicalType(t).Kind == CXTypeKind.Enum) elem = "int";
                if (Clang.clang_getCanonicalType(t).Kind == CXTypeKind.Pointer) elem = "nint";
                fields.Add(new FieldDecl(name, Trailing(f, l), elem, primitive, offset, size, count,
                    string.Concat(dims.Select(d => $"[{d}]"))));
            }
            else
            {
                fields.Add(new FieldDecl(name, Trailing(f, l), CsType(type), true, offset, size, 0, ""));
            }
        }
    }

    private static long OffsetOf(CXType record, string field)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(field + "\0");
        fixed (byte* p = bytes) return Clang.clang_Type_getOffsetOf(record, p);
    }

    private FunctionDecl? ReadFunction(CXCursor c, string file, int line)
    {
        var name = Clang.Spelling(c);
        // static (inline) functions live in the header only: the library exports no symbol for them.
        if (Clang.clang_Cursor_getStorageClass(c) == 3)  // CX_SC_Static
        {
            Notes.Add($"{name}: static inline in the header, no exported symbol; left out");
            return null;
        }
        if (Clang.clang_Cursor_isVariadic(c) != 0)
        {
            Notes.Add($"{name}: variadic, not callable through a blittable signature; left out");
            return null;
        }
        var ps = new List<(string, string)>();
        int n = Clang.clang_Cursor_getNumArguments(c);
        for (uint i = 0; i < n; i++)
        {
            var a = Clang.clang_Cursor_getArgument(c, i);
            var pname = Clang.Spelling(a);
            if (pname.Length == 0) pname = $"arg{i}";
            ps.Add((ParamType(Clang.clang_getCursorType(a)), Escape(pname)));
        }
        return new FunctionDecl(name, Leading(file, line), CsType(Clang.clang_getCursorResultType(c)), ps);
    }

    private void ReadGlobal(CXCursor c, string file, int line)
    {
        if (Clang.clang_Cursor_getStorageClass(c) != 2) return;  // CX_SC_Extern
        var type = Clang.clang_getCursorType(c);
        var t = type;
        while (Clang.clang_getCanonicalType(t).Kind == CXTypeKind.ConstantArray)
            t = Clang.clang_getArrayElementType(Clang.clang_getCanonicalType(t));
        var comment = Leading(file, line);
        Decls.Add(new GlobalDecl(Clang.Spelling(c), comment, CsType(t) + "*"));
    }

    // ---------------------------------------------------------------- types

    private string Alias(string tag) => _aliases.TryGetValue(tag, out var a) ? a : tag;

    private static bool IsPrimitive(CXType canonical) => canonical.Kind is >= CXTypeKind.Void and <= CXTypeKind.LongDouble or CXTypeKind.Enum;

    private string ParamType(CXType t)
    {
        var can = Clang.clang_getCanonicalType(t);
        // Array parameters decay to pointers: const mjtNum vec[3] is const mjtNum*.
        if (can.Kind is CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray)
            return CsType(Clang.clang_getArrayElementType(can)) + "*";
        return CsType(t);
    }

    /// <summary>The blittable C# spelling of a C type.</summary>
    public string CsType(CXType t)
    {
        switch (t.Kind)
        {
            case CXTypeKind.Elaborated: return CsType(Clang.clang_Type_getNamedType(t));
            case CXTypeKind.Typedef:
                var name = Clang.Take(Clang.clang_getTypedefName(t));
                if (name == "size_t") return "nuint";
                return CsType(Clang.clang_getCanonicalType(t));
            case CXTypeKind.Record:
            case CXTypeKind.Enum:
                var declCursor = Clang.clang_getTypeDeclaration(t);
                var tagName = Clang.Spelling(declCursor);
                if ((tagName.Length == 0 || tagName.Contains(' ')) && _anonymousEnums.TryGetValue(Clang.Location(declCursor), out var typedefName))
                    return typedefName;
                return Alias(tagName);
            case CXTypeKind.Pointer:
                var pointee = Clang.clang_getPointeeType(t);
                var pc = Clang.clang_getCanonicalType(pointee);
                if (pc.Kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto) return FunctionPointer(pc);
                return CsType(pointee) + "*";
            case CXTypeKind.ConstantArray:
            case CXTypeKind.IncompleteArray:
                return CsType(Clang.clang_getArrayElementType(t)) + "*";
            case CXTypeKind.Void: return "void";
            case CXTypeKind.Bool: return "byte";
            case CXTypeKind.Char_S: case CXTypeKind.Char_U: case CXTypeKind.UChar: return "byte";
            case CXTypeKind.SChar: return "sbyte";
            case CXTypeKind.Short: return "short";
            case CXTypeKind.UShort: return "ushort";
            case CXTypeKind.Int: return "int";
            case CXTypeKind.UInt: return "uint";
            case CXTypeKind.Long: return "nint";
            case CXTypeKind.ULong: return "nuint";
            case CXTypeKind.LongLong: return "long";
            case CXTypeKind.ULongLong: return "ulong";
            case CXTypeKind.Float: return "float";
            case CXTypeKind.Double: return "double";
            default:
                throw new NotSupportedException($"C type '{Clang.Spelling(t)}' (kind {t.Kind}) has no blittable C# mapping");
        }
    }

    private string FunctionPointer(CXType fn)
    {
        var parts = new List<string>();
        if (fn.Kind == CXTypeKind.FunctionProto)
        {
            int n = Clang.clang_getNumArgTypes(fn);
            for (uint i = 0; i < n; i++) parts.Add(ParamType(Clang.clang_getArgType(fn, i)));
        }
        parts.Add(CsType(Clang.clang_getResultType(fn)));
        return $"delegate* unmanaged<{string.Join(", ", parts)}>";
    }

    private static readonly HashSet<string> Keywords = new()
    {
        "abstract", "base", "bool", "byte", "checked", "class", "const", "decimal", "delegate", "event", "explicit",
        "extern", "fixed", "in", "internal", "is", "lock", "object", "operator", "out", "override", "params", "ref",
        "sealed", "string", "this", "typeof", "unchecked", "virtual", "object", "namespace", "new", "checked", "readonly",
    };

    internal static string Escape(string name) => Keywords.Contains(name) ? "@" + name : name;
}
