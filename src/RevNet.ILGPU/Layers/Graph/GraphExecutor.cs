using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Layers.Graph;

/// <summary>
/// Runs a <see cref="GraphPlan"/>: the forward keeps exactly the boundary forms the plan holds and releases every other
/// one as soon as it is used; the backward walks the steps from the last, rebuilding, recomputing or back-propagating
/// each, and releases each boundary once the step that produced it is done.
/// </summary>
internal sealed class GraphExecutor
{
    private GraphPlan? _plan;
    private Boundary[] _values = [];

    /// <summary>Observers of the graph (never null; usually empty).</summary>
    public required IReadOnlyList<IGraphObserver> Observers { get; init; }

    /// <summary>The training step of the pass in progress (given to observers).</summary>
    public long Step { get; set; }

    /// <summary>
    /// Runs the plan forward. With <paramref name="outputNeeded"/> false the last step is only readied for backward
    /// (<see cref="ILayer.Recompute"/>) and null is returned.
    /// </summary>
    public Tensor? Forward(GraphPlan plan, Tensor input, bool outputNeeded)
    {
        Release();
        PlanStep[] steps = plan.Steps;
        int n = steps.Length;
        Boundary[] values = new Boundary[n + 1];
        for (int b = 0; b <= n; b++)
        {
            values[b] = new Boundary();
        }

        values[0].SetSingle(input, owned: false);
        _values = values;
        try
        {
            for (int i = 0; i < n; i++)
            {
                PlanStep s = steps[i];
                bool pair = s.Pair;
                Boundary x = values[i];
                if (x.Ensure(pair, MemoryCategory.Activations) && pair)
                {
                    s.Coupling!.PrepareRunInput(x.A!, x.B!);
                }

                if (!plan.Holds(i, !pair))
                {
                    x.Release(!pair);
                }

                if (i == n - 1 && !outputNeeded)
                {
                    if (pair)
                    {
                        s.Coupling!.RecomputePair(x.A!, x.B!);
                    }
                    else
                    {
                        s.Layer.Recompute(x.Single!);
                    }
                }
                else if (pair)
                {
                    (Tensor y1, Tensor y2) = s.Coupling!.ForwardPair(x.A!, x.B!, s.Mode);
                    values[i + 1].SetPair(y1, y2);
                }
                else
                {
                    values[i + 1].SetSingle(s.Layer.Forward(x.Single!, s.Mode), owned: true);
                }

                Notify(forward: true, i, s, x.View(pair), values[i + 1].View(pair), default, default);
                if (!plan.Holds(i, pair))
                {
                    x.Release(pair);
                }
            }

            _plan = plan.Keeps ? plan : null;
            return outputNeeded ? Output(plan, values[n]) : null;
        }
        catch
        {
            Release();
            throw;
        }
        finally
        {
            if (_plan is null)
            {
                Release();
            }
        }
    }

    /// <summary>Back-propagates through the last keeping forward; returns dL/dx (owned).</summary>
    public Tensor Backward(Tensor outputGradient, string graphName)
    {
        GraphPlan plan = _plan ?? throw new InvalidOperationException(
            $"Sequential '{graphName}': Backward was called without a preceding training Forward (or a second time for one forward).");
        _plan = null;
        PlanStep[] steps = plan.Steps;
        Boundary[] values = _values;
        var g = new Boundary();
        g.SetSingle(outputGradient, owned: false);
        try
        {
            for (int i = steps.Length - 1; i >= 0; i--)
            {
                PlanStep s = steps[i];
                bool pair = s.Pair;
                if (g.Ensure(pair, MemoryCategory.Workspace))
                {
                    g.Release(!pair);
                }

                if (s.Action is LayerAction.Recompute || (s.Action is LayerAction.Keep && !pair))
                {
                    values[i + 1].Release(); // dead before the step makes its own internals
                }

                Boundary dx = new();
                switch (s.Action)
                {
                    case LayerAction.Rebuild:
                        Rebuild(s, values[i + 1], values[i], g, dx);
                        break;
                    case LayerAction.Recompute when pair:
                        s.Coupling!.RecomputePair(values[i].A!, values[i].B!);
                        SetPair(dx, s.Coupling.BackwardPair(g.A!, g.B!));
                        break;
                    case LayerAction.Recompute:
                        s.Layer.Recompute(values[i].Single!);
                        dx.SetSingle(s.Layer.Backward(g.Single!), owned: true);
                        break;
                    case LayerAction.Keep when pair:
                        SetPair(dx, s.Coupling!.BackwardPair(g.A!, g.B!));
                        break;
                    default:
                        dx.SetSingle(s.Layer.Backward(g.Single!), owned: true);
                        break;
                }

                try
                {
                    Notify(forward: false, i, s, values[i].View(pair), default, g.View(pair), dx.View(pair));
                }
                catch
                {
                    dx.Release();
                    throw;
                }

                g.Release();
                values[i + 1].Release();
                g = dx;
            }

            g.Ensure(pair: false, MemoryCategory.Workspace);
            g.Release(pair: true);
            return g.TakeSingle();
        }
        catch
        {
            g.Release();
            throw;
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Releases everything kept from the last forward.</summary>
    public void Release()
    {
        foreach (Boundary b in _values)
        {
            b.Release();
        }

        _values = [];
        _plan = null;
    }

    private static void SetPair(Boundary b, (Tensor A, Tensor B) halves) => b.SetPair(halves.A, halves.B);

    private static Tensor Output(GraphPlan plan, Boundary last)
    {
        int n = plan.Steps.Length;
        bool held = plan.HoldSingle[n] || plan.HoldPair[n];
        if (last.A is not null)
        {
            // The caller gets its own concatenation; the halves stay only if backward needs them.
            Tensor whole = LayerKit.Concat(last.A, last.B!, MemoryCategory.Activations);
            if (!held)
            {
                last.Release(pair: true);
            }

            return whole;
        }

        if (!held)
        {
            return last.TakeSingle();
        }

        Tensor copy = LayerKit.Activation(last.Single!.Device, last.Single.Shape);
        TensorOps.Copy(last.Single, copy);
        return copy;
    }

    private static void Rebuild(PlanStep s, Boundary y, Boundary x, Boundary g, Boundary dx)
    {
        y.Ensure(s.Pair, MemoryCategory.Activations);
        if (s.Pair)
        {
            // Pairs here were made by the graph, so they are owned and may be consumed in place.
            var coupling = (InvertibleCoupling)s.Coupling!;
            (Tensor x1, Tensor x2, Tensor dx1, Tensor dx2) = coupling.BackwardFromOutputPair(y.A!, y.B!, g.A!, g.B!);
            y.ForgetPair();
            g.ForgetPair();
            x.SetPair(x1, x2);
            dx.SetPair(dx1, dx2);
            return;
        }

        (Tensor input, Tensor inputGradient) = ((IReversibleLayer)s.Layer).BackwardFromOutput(y.Single!, g.Single!);
        x.SetSingle(input, owned: true);
        dx.SetSingle(inputGradient, owned: true);
    }

    private void Notify(
        bool forward, int index, PlanStep s, ActivationView input, ActivationView output, ActivationView dy, ActivationView dx)
    {
        if (Observers.Count == 0)
        {
            return;
        }

        var e = new LayerEvent(index, s.Layer, s.Action, s.Mode, Step, input, output, dy, dx);
        foreach (IGraphObserver o in Observers)
        {
            if (forward)
            {
                o.OnForward(e);
            }
            else
            {
                o.OnBackward(e);
            }
        }
    }
}
