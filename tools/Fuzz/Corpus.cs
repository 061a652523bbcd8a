using System.Security.Cryptography;

namespace Robotics.Tools.Fuzz;

/// <summary>
/// The committed corpus, <c>tools/Fuzz/corpus/&lt;target&gt;/</c>: one file per input, named by its content's hash, so an
/// input added twice is one file. The cdr target keeps each message type's inputs in a folder of the type's ROS name
/// (<c>corpus/cdr/sensor_msgs.msg.JointState/</c>) holding the serialized message alone; an afl-fuzz input for it
/// starts with a byte that picks the type (<see cref="CdrTarget.Check"/>), which <see cref="ToAfl"/> and
/// <see cref="Add"/> put on and take off.
/// </summary>
public static class Corpus
{
    /// <summary>Where the corpus lives, relative to the repository root.</summary>
    public const string Dir = "tools/Fuzz/corpus";

    /// <summary>The corpus folder of a target.</summary>
    public static string Folder(FuzzTarget target, string? root = null) => Path.Combine(root ?? Repo.Path(Dir), target.Name);

    /// <summary>Every committed input of a target, as the file and the bytes the target's check takes.</summary>
    public static IEnumerable<(string File, byte[] Input)> Inputs(FuzzTarget target, string? root = null)
    {
        var folder = Folder(target, root);
        if (!Directory.Exists(folder)) yield break;
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            yield return (file, ToAfl(target, file));
    }

    /// <summary>A corpus file as an afl-fuzz input: for cdr, the type byte of its folder's message type in front.</summary>
    public static byte[] ToAfl(FuzzTarget target, string file)
    {
        var bytes = File.ReadAllBytes(file);
        if (target.Name != "cdr") return bytes;
        var folder = Path.GetFileName(Path.GetDirectoryName(file))!;
        int index = CdrTarget.Types.ToList().FindIndex(t => CdrTarget.Folder(t.RosName) == folder);
        if (index < 0) throw new InvalidDataException($"{file}: '{folder}' is not the folder of a generated message type ({string.Join(", ", CdrTarget.Types.Select(t => CdrTarget.Folder(t.RosName)))})");
        return [(byte)index, .. bytes];
    }

    /// <summary>The name a fixed finding's file starts with: <see cref="Replace"/> keeps these, whatever their coverage.</summary>
    public const string FindingPrefix = "finding-";

    /// <summary>
    /// Adds an afl-fuzz input to the corpus (as a fixed finding when <paramref name="finding"/>); returns its file, or
    /// null when the corpus already holds it.
    /// </summary>
    public static string? Add(FuzzTarget target, byte[] aflInput, bool finding = false, string? root = null)
    {
        if (Place(target, aflInput, root) is not var (folder, bytes)) return null;
        var name = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        if (File.Exists(Path.Combine(folder, name)) || File.Exists(Path.Combine(folder, FindingPrefix + name))) return null;
        var file = Path.Combine(folder, finding ? FindingPrefix + name : name);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    /// <summary>
    /// Makes the corpus the fixed findings and <paramref name="aflInputs"/> (afl-cmin's pick: the fewest inputs that cover
    /// what the run covered); returns the inputs added and removed.
    /// </summary>
    public static (int Added, int Removed) Replace(FuzzTarget target, IReadOnlyList<byte[]> aflInputs, string? root = null)
    {
        var keep = new HashSet<string>(aflInputs.Select(i => Place(target, i, root)).OfType<(string Folder, byte[] Bytes)>()
            .Select(p => Path.Combine(p.Folder, Convert.ToHexStringLower(SHA256.HashData(p.Bytes))[..16])));
        int removed = 0;
        var folder = Folder(target, root);
        if (Directory.Exists(folder))
            foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
                if (!Path.GetFileName(file).StartsWith(FindingPrefix, StringComparison.Ordinal) && !keep.Contains(file)) { File.Delete(file); removed++; }
        int added = aflInputs.Count(i => Add(target, i, root: root) is not null);
        return (added, removed);
    }

    // The folder an afl-fuzz input goes to and the bytes stored (cdr: the type's folder, without the type byte).
    private static (string Folder, byte[] Bytes)? Place(FuzzTarget target, byte[] aflInput, string? root)
    {
        var folder = Folder(target, root);
        if (target.Name != "cdr") return (folder, aflInput);
        if (aflInput.Length == 0) return null;
        return (Path.Combine(folder, CdrTarget.Folder(CdrTarget.Types[aflInput[0] % CdrTarget.Types.Count].RosName)), aflInput[1..]);
    }
}
