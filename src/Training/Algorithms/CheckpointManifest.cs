using System.Security.Cryptography;
using System.Text.Json;

namespace Robotics.Training.Algorithms;

/// <summary>One file of a checkpoint as its manifest records it.</summary>
/// <param name="Name">The file's name inside the checkpoint folder (no folders).</param>
/// <param name="Bytes">Its size [bytes].</param>
/// <param name="Sha256">The SHA-256 of its contents, lowercase hex.</param>
public sealed record CheckpointFileEntry(string Name, long Bytes, string Sha256);

/// <summary>
/// A checkpoint folder's <c>manifest.json</c>: every other file in it with its size and SHA-256. It is written last, so a
/// checkpoint torn while being written has none; it is checked before any file of the folder reaches libtorch, whose
/// readers abort the process on some bad inputs (a short generator state) instead of throwing.
/// </summary>
/// <param name="Files">The folder's files, by name in ordinal order.</param>
public sealed record CheckpointManifest(IReadOnlyList<CheckpointFileEntry> Files)
{
    /// <summary>The manifest's file name in a checkpoint folder.</summary>
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Records every file now in <paramref name="directory"/>; call it after the last of them is written.</summary>
    public static CheckpointManifest Write(string directory)
    {
        var files = Directory.GetFiles(directory).Select(Path.GetFileName).Where(n => n != FileName).Order(StringComparer.Ordinal)
            .Select(n => Entry(Path.Combine(directory, n!))).ToArray();
        var manifest = new CheckpointManifest(files);
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(manifest, Json));
        return manifest;
    }

    /// <summary>
    /// Checks every file of <paramref name="directory"/> against its manifest: each listed file present with its size and
    /// hash, no file that is not listed. Returns false, checking nothing, for a folder without a manifest (one written before
    /// manifests existed; <see cref="AlgorithmState.LoadState"/> checks those by what it can).
    /// </summary>
    /// <exception cref="UserError">The manifest is unreadable, or a file is missing, of another size, of other contents or not listed; the message names the file.</exception>
    public static bool Verify(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return false;
        CheckpointManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(path)) ?? throw new UserError($"{path} is empty");
        }
        catch (JsonException e) { throw new UserError($"{path}: not a checkpoint manifest: {e.Message}", e); }
        if (manifest.Files is null) throw new UserError($"{path}: not a checkpoint manifest (no Files)");
        foreach (var f in manifest.Files)
        {
            if (f?.Name is not { Length: > 0 } name || name != Path.GetFileName(name) || name == FileName || f.Sha256 is null)
                throw new UserError($"{path}: bad entry '{f?.Name}' (a file name in this folder with Bytes and Sha256 expected)");
            var file = Path.Combine(directory, name);
            if (!File.Exists(file)) throw new UserError($"{file} not found: {FileName} lists it; the checkpoint is incomplete");
            long bytes = new FileInfo(file).Length;
            if (bytes != f.Bytes) throw new UserError($"{file}: {bytes} bytes, {FileName} records {f.Bytes}: the file is truncated or was replaced");
            var actual = Entry(file);
            if (actual.Bytes != f.Bytes || !string.Equals(actual.Sha256, f.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new UserError($"{file}: its SHA-256 is not the one {FileName} records: the file is corrupt");
        }
        var listed = manifest.Files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in Directory.GetFiles(directory).Select(Path.GetFileName))
            if (name != FileName && !listed.Contains(name!))
                throw new UserError($"{Path.Combine(directory, name!)}: not in {FileName}: the checkpoint was changed after it was written");
        return true;
    }

    private static CheckpointFileEntry Entry(string file)
    {
        using var stream = File.OpenRead(file);
        long bytes = stream.Length;
        return new CheckpointFileEntry(Path.GetFileName(file), bytes, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}
