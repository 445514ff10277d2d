using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Kernels;

/// <summary>TEMPORARY placeholder: the ILGPU backend.</summary>
internal sealed class IlgpuOps : ITensorOps, IDisposable
{
    public IlgpuOps(ComputeDevice device, Accelerator accelerator)
    {
        Device = device;
        Accelerator = accelerator;
    }

    public static CPUDevice SimulatorDevice { get; } = new(4, 4, 1);

    public ComputeDevice Device { get; }

    public Accelerator Accelerator { get; }

    public void Dispose()
    {
    }

    public void Fill(Tensor y, float value) => throw new NotImplementedException();

    public void Copy(Tensor src, Tensor dst) => throw new NotImplementedException();

    public void Add(Tensor a, Tensor b, Tensor y) => throw new NotImplementedException();

    public void Subtract(Tensor a, Tensor b, Tensor y) => throw new NotImplementedException();

    public void Axpy(float alpha, Tensor x, Tensor y) => throw new NotImplementedException();

    public void ReluForward(Tensor x, Tensor y) => throw new NotImplementedException();

    public void ReluBackward(Tensor y, Tensor dy, Tensor dx) => throw new NotImplementedException();

    public void CopyChannels(Tensor src, int srcOffset, Tensor dst, int dstOffset, int count) => throw new NotImplementedException();

    public void AvgPool2x2Forward(Tensor x, Tensor y) => throw new NotImplementedException();

    public void AvgPool2x2Backward(Tensor dy, Tensor dx) => throw new NotImplementedException();

    public void GlobalAvgPoolForward(Tensor x, Tensor y) => throw new NotImplementedException();

    public void GlobalAvgPoolBackward(Tensor dy, Tensor dx) => throw new NotImplementedException();

    public void Conv2dForward(Tensor x, Tensor w, Tensor y, Conv2dGeometry g) => throw new NotImplementedException();

    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dGeometry g) => throw new NotImplementedException();

    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dGeometry g) => throw new NotImplementedException();

    public void BatchNormStatistics(Tensor x, Tensor mean, Tensor invStd, float eps) => throw new NotImplementedException();

    public void BatchNormApply(Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor y, bool relu) => throw new NotImplementedException();

    public void BatchNormUpdateRunning( Tensor mean, Tensor invStd, Tensor runningMean, Tensor runningVar, float momentum, float eps, long count) => throw new NotImplementedException();

    public void BatchNormInvStd(Tensor runningVar, float eps, Tensor invStd) => throw new NotImplementedException();

    public void BatchNormBackward( Tensor x, Tensor dy, Tensor mean, Tensor invStd, Tensor gamma, Tensor dx, Tensor dgamma, Tensor dbeta) => throw new NotImplementedException();

    public void LinearForward(Tensor x, Tensor w, Tensor b, Tensor y) => throw new NotImplementedException();

    public void LinearBackward(Tensor x, Tensor w, Tensor dy, Tensor? dx, Tensor dw, Tensor db) => throw new NotImplementedException();

    public float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> labels, Tensor dlogits) => throw new NotImplementedException();

    public void SgdStep(Tensor w, Tensor g, Tensor velocity, float lr, float momentum, float weightDecay, bool nesterov) => throw new NotImplementedException();

    public void AdamStep( Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled, int step) => throw new NotImplementedException();

}
