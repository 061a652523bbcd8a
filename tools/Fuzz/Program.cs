using Robotics.Tools.Fuzz;

// fuzz --list                      the targets: name, the assemblies to instrument (comma-separated), summary; tab-separated
// fuzz TARGET                      run under afl-fuzz (SharpFuzz's fork server; once, on standard input, outside it)
// fuzz TARGET --replay FILE...     run afl-fuzz inputs (crashes, hangs) through the checks and say what each does
// fuzz TARGET --add DIR...         add the afl-fuzz inputs in DIR to the committed corpus (tools/Fuzz/corpus/TARGET) as fixed findings
// fuzz TARGET --set DIR            make the corpus the fixed findings and the afl-fuzz inputs in DIR (afl-cmin's output)
// fuzz TARGET --seeds DIR          write the committed corpus as afl-fuzz inputs into DIR
// `robotics fuzz TARGET --seconds N` drives these; see docs/fuzzing.md.
if (args is ["--list"])
{
    foreach (var t in FuzzTarget.All) Console.WriteLine($"{t.Name}\t{string.Join(",", t.Assemblies)}\t{t.Summary}");
    return 0;
}
if (args.Length == 0 || FuzzTarget.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"usage: fuzz TARGET [--replay FILE...|--add DIR...|--set DIR|--seeds DIR]; targets: {string.Join(", ", FuzzTarget.All.Select(t => t.Name))}");
    return 2;
}
switch (args.ElementAtOrDefault(1))
{
    case null:
        SharpFuzz.Fuzzer.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Check(buffer.ToArray());
        });
        return 0;
    case "--replay":
        int findings = 0;
        foreach (var file in args[2..])
        {
            try { target.Check(File.ReadAllBytes(file)); Console.WriteLine($"{file}: ok"); }
            catch (Exception e)
            {
                findings++;
                Console.WriteLine($"{file}: {(e is FuzzFinding ? "" : e.GetType().FullName + ": ")}{e.Message}");
                if (e is not FuzzFinding || e.InnerException is not null) Console.WriteLine((e.InnerException ?? e).StackTrace);
            }
        }
        return findings == 0 ? 0 : 1;
    case "--add":
        int added = 0;
        foreach (var dir in args[2..])
            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                if (Corpus.Add(target, File.ReadAllBytes(file), finding: true) is not null) added++;
        Console.WriteLine(added);
        return 0;
    case "--set" when args.Length == 3:
        var (plus, minus) = Corpus.Replace(target, Directory.GetFiles(args[2]).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList());
        Console.WriteLine($"{plus} {minus} {Corpus.Inputs(target).Count()}");
        return 0;
    case "--seeds" when args.Length == 3:
        Directory.CreateDirectory(args[2]);
        int n = 0;
        foreach (var (_, input) in Corpus.Inputs(target))
            File.WriteAllBytes(Path.Combine(args[2], $"seed{n++:D5}"), input);
        Console.WriteLine(n);
        return 0;
    default:
        Console.Error.WriteLine($"fuzz: unknown arguments '{string.Join(' ', args[1..])}'");
        return 2;
}
