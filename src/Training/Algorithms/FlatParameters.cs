using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Robotics.Training.Algorithms;

/// <summary>
/// A module's trainable parameters seen as one flat vector [P], the way the natural-gradient methods
/// work on them (a direction, a Fisher-vector product, a line search). Parameters with
/// <c>requires_grad = false</c> (e.g. a frozen log σ) are left out.
/// </summary>
public static class FlatParameters
{
    /// <summary>The parameters that train, in module order.</summary>
    public static Parameter[] Trainable(nn.Module module) => module.parameters().Where(p => p.requires_grad).ToArray();

    /// <summary>A copy of the parameters as one vector. [P]</summary>
    public static Tensor Get(IReadOnlyList<Parameter> parameters)
    {
        using var _ = no_grad();
        return cat(parameters.Select(p => p.detach().reshape(-1)).ToArray(), 0).clone();
    }

    /// <summary>Writes <paramref name="flat"/> [P] back into the parameters.</summary>
    public static void Set(IReadOnlyList<Parameter> parameters, Tensor flat)
    {
        long total = parameters.Sum(p => p.numel());
        if (flat.numel() != total) throw new ArgumentException($"flat parameters: {flat.numel()} values for {total} parameters");
        using var _ = no_grad();
        long offset = 0;
        foreach (var p in parameters)
        {
            long n = p.numel();
            p.copy_(flat.narrow(0, offset, n).view_as(p));
            offset += n;
        }
    }

    /// <summary>∂<paramref name="scalar"/>/∂θ as one vector [P]; <paramref name="createGraph"/> keeps it differentiable (double backprop).</summary>
    public static Tensor Gradient(Tensor scalar, IReadOnlyList<Parameter> parameters, bool createGraph = false, bool retainGraph = false)
    {
        var grads = autograd.grad(new[] { scalar }, parameters.Cast<Tensor>().ToArray(), retain_graph: retainGraph || createGraph, create_graph: createGraph, allow_unused: true);
        return cat(grads.Select((g, i) => g is null || g.IsInvalid ? zeros_like(parameters[i]).reshape(-1) : g.reshape(-1)).ToArray(), 0);
    }
}
