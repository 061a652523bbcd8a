using System.CommandLine;
using Robotics.RobotBridge.Security;

namespace Robotics.Cli;

/// <summary>
/// <c>robotics keystore create DIR</c> and <c>robotics keystore enclave DIR /deploy</c>: an SROS2-layout keystore for
/// DDS Security (<see cref="Keystore"/>).
/// </summary>
internal static class KeystoreCommand
{
    public static Command Create()
    {
        var keystore = new Command("keystore", "DDS Security keystore in SROS2's layout: a CA, signed governance, per-enclave identities and permissions.");

        var dir = new Argument<string>("DIR") { Description = "the keystore folder" };
        var create = new Command("create", "Create the CA (identity and permissions) and the signed governance; an existing keystore is kept.") { dir };
        create.SetAction(r =>
        {
            string path = r.GetValue(dir)!;
            Console.WriteLine(Keystore.Create(path)
                ? $"keystore created in {Path.GetFullPath(path)}"
                : $"{Path.GetFullPath(path)} already holds a keystore; kept as is");
            return 0;
        });
        keystore.Subcommands.Add(create);

        var dir2 = new Argument<string>("DIR") { Description = "the keystore folder" };
        var names = new Argument<string[]>("ENCLAVE") { Description = $"enclave names, e.g. /deploy; the last segment picks the permissions: {string.Join(", ", Keystore.Policies.Keys.Select(k => "/" + k))}", Arity = ArgumentArity.OneOrMore };
        var enclave = new Command("enclave", "Create enclaves: key, certificate (CN=<enclave>) and signed permissions.") { dir2, names };
        enclave.SetAction(r =>
        {
            string path = r.GetValue(dir2)!;
            foreach (var name in r.GetValue(names)!)
            {
                var policy = Keystore.PolicyOf(name);
                Console.WriteLine($"{name}: {Keystore.CreateEnclave(path, name)} (publishes {string.Join(", ", policy.Publish)}; subscribes {string.Join(", ", policy.Subscribe)})");
            }
            return 0;
        });
        keystore.Subcommands.Add(enclave);
        return keystore;
    }
}
