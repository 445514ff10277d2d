using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Ops;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Ops;

/// <summary>
/// Bad input through the public facade <see cref="TensorOps"/>: shape mismatches name the parameter and both shapes,
/// tensors from two devices and disposed tensors are refused, bad hyperparameters and labels are out of range.
/// Validation is backend-independent, so one Host device serves every test.
/// </summary>
public sealed class TensorOpsErrorTests : IDisposable
{
    private readonly ComputeDevice _device = ComputeDevice.Create(DeviceKind.Host);

    public void Dispose() => _device.Dispose();

    [Fact]
    public void Add_ShapeMismatch_ThrowsNamingParameterAndBothShapes()
    {
        using Tensor a = T(2, 3);
        using Tensor b = T(3, 2);
        using Tensor y = T(2, 3);
        Action act = () => TensorOps.Add(a, b, y);
        act.Should().Throw<ArgumentException>().WithParameterName("b").WithMessage("*Expected [2, 3]*got [3, 2]*");

        using Tensor wrongY = T(6);
        Action output = () => TensorOps.Subtract(a, a, wrongY);
        output.Should().Throw<ArgumentException>().WithParameterName("y").WithMessage("*Expected [2, 3]*got [6]*");
    }

    [Fact]
    public void ElementwiseOps_ShapeMismatch_NameTheOffendingParameter()
    {
        using Tensor x = T(4, 5);
        using Tensor bad = T(5, 4);
        ((Action)(() => TensorOps.Axpy(1f, x, bad))).Should().Throw<ArgumentException>().WithParameterName("y");
        ((Action)(() => TensorOps.ReluForward(x, bad))).Should().Throw<ArgumentException>().WithParameterName("y");
        ((Action)(() => TensorOps.ReluBackward(x, bad, x))).Should().Throw<ArgumentException>().WithParameterName("dy");
        ((Action)(() => TensorOps.ReluBackward(x, x, bad))).Should().Throw<ArgumentException>().WithParameterName("dx");
        using Tensor small = T(19);
        ((Action)(() => TensorOps.Copy(x, small))).Should().Throw<ArgumentException>()
            .WithParameterName("dst").WithMessage("*Expected 20*got 19*");
    }

    [Fact]
    public void Conv2dForward_WrongOutputShape_ThrowsWithExpectedAndActual()
    {
        Conv2dGeometry g = Conv2dGeometry.Create(2, 3, 8, 8, 4, 3, 2, 1);
        using Tensor x = T(2, 3, 8, 8);
        using Tensor w = T(4, 3, 3, 3);
        using Tensor y = T(2, 4, 8, 8);
        Action act = () => TensorOps.Conv2dForward(x, w, y, g);
        act.Should().Throw<ArgumentException>()
            .WithParameterName("y").WithMessage("*Expected [2, 4, 4, 4]*got [2, 4, 8, 8]*");

        using Tensor wrongW = T(4, 2, 3, 3);
        Action weight = () => TensorOps.Conv2dForward(x, wrongW, T(2, 4, 4, 4), g);
        weight.Should().Throw<ArgumentException>()
            .WithParameterName("w").WithMessage("*Expected [4, 3, 3, 3]*got [4, 2, 3, 3]*");
    }

    [Fact]
    public void Conv2dBackward_WrongGradientShapes_NameTheGradientParameters()
    {
        Conv2dGeometry g = Conv2dGeometry.Create(1, 2, 5, 5, 3, 3, 1, 1);
        using Tensor x = T(1, 2, 5, 5);
        using Tensor w = T(3, 2, 3, 3);
        using Tensor dy = T(1, 3, 5, 5);
        using Tensor badDx = T(1, 2, 5, 4);
        using Tensor badDw = T(3, 2, 1, 1);
        using Tensor badDy = T(1, 3, 4, 4);
        ((Action)(() => TensorOps.Conv2dBackwardInput(badDy, w, x, g))).Should().Throw<ArgumentException>()
            .WithParameterName("dy").WithMessage("*Expected [1, 3, 5, 5]*got [1, 3, 4, 4]*");
        ((Action)(() => TensorOps.Conv2dBackwardInput(dy, w, badDx, g))).Should().Throw<ArgumentException>()
            .WithParameterName("dx").WithMessage("*Expected [1, 2, 5, 5]*got [1, 2, 5, 4]*");
        ((Action)(() => TensorOps.Conv2dBackwardWeight(x, dy, badDw, g))).Should().Throw<ArgumentException>()
            .WithParameterName("dw").WithMessage("*Expected [3, 2, 3, 3]*got [3, 2, 1, 1]*");
    }

    [Fact]
    public void ConvGeometry_ChannelMismatch_ThrowsNamingWeight()
    {
        Action act = () => TensorOps.ConvGeometry(new Shape(1, 3, 8, 8), new Shape(4, 2, 3, 3), 1, 1);
        act.Should().Throw<ArgumentException>().WithParameterName("w").WithMessage("*Expected*got [4, 2, 3, 3]*");
        Action tooBig = () => Conv2dGeometry.Create(1, 1, 2, 2, 1, 5, 1, 0);
        tooBig.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void LinearForward_ShapeMismatch_NamesInputWeightBiasOrOutput()
    {
        using Tensor x = T(4, 6);
        using Tensor w = T(3, 6);
        using Tensor b = T(3);
        using Tensor y = T(4, 3);
        ((Action)(() => TensorOps.LinearForward(T(4, 5), w, b, y))).Should().Throw<ArgumentException>()
            .WithParameterName("x").WithMessage("*Expected*[4, 6]*got [4, 5]*");
        ((Action)(() => TensorOps.LinearForward(x, w, T(4), y))).Should().Throw<ArgumentException>()
            .WithParameterName("b").WithMessage("*Expected [3]*got [4]*");
        ((Action)(() => TensorOps.LinearForward(x, w, b, T(4, 4)))).Should().Throw<ArgumentException>()
            .WithParameterName("y").WithMessage("*Expected [4, 3]*got [4, 4]*");
        ((Action)(() => TensorOps.LinearBackward(x, w, y, x, T(6, 3), b))).Should().Throw<ArgumentException>()
            .WithParameterName("dw").WithMessage("*Expected [3, 6]*got [6, 3]*");
    }

    [Fact]
    public void BatchNorm_WrongVectorLengths_NameTheParameter()
    {
        using Tensor x = T(2, 3, 4, 4);
        using Tensor c3 = T(3);
        using Tensor c4 = T(4);
        ((Action)(() => TensorOps.BatchNormStatistics(x, c4, c3, 1e-5f))).Should().Throw<ArgumentException>()
            .WithParameterName("mean").WithMessage("*Expected [3]*got [4]*");
        ((Action)(() => TensorOps.BatchNormApply(x, c3, c3, c4, c3, x, false))).Should().Throw<ArgumentException>()
            .WithParameterName("gamma");
        ((Action)(() => TensorOps.BatchNormBackward(x, x, c3, c3, c3, T(2, 3, 4, 5), c3, c3))).Should()
            .Throw<ArgumentException>().WithParameterName("dx").WithMessage("*Expected [2, 3, 4, 4]*got [2, 3, 4, 5]*");
        ((Action)(() => TensorOps.BatchNormBackward(x, x, c3, c3, c3, x, c3, c4))).Should().Throw<ArgumentException>()
            .WithParameterName("dbeta");
    }

    [Fact]
    public void Pooling_BadShapes_Throw()
    {
        ((Action)(() => TensorOps.AvgPool2x2Forward(T(1, 2, 5, 4), T(1, 2, 2, 2)))).Should().Throw<ArgumentException>()
            .WithParameterName("x").WithMessage("*even*");
        ((Action)(() => TensorOps.AvgPool2x2Forward(T(1, 2, 4, 4), T(1, 2, 4, 4)))).Should().Throw<ArgumentException>()
            .WithParameterName("y").WithMessage("*Expected [1, 2, 2, 2]*got [1, 2, 4, 4]*");
        ((Action)(() => TensorOps.GlobalAvgPoolForward(T(2, 3, 4, 4), T(3, 2, 2)))).Should().Throw<ArgumentException>()
            .WithParameterName("y");
        ((Action)(() => TensorOps.GlobalAvgPoolBackward(T(2, 4), T(2, 3, 4, 4)))).Should().Throw<ArgumentException>()
            .WithParameterName("dy");
    }

    [Fact]
    public void AvgPool2x2Backward_OddInputGradient_Throws()
    {
        // dx [1, 1, 3, 3] with dy [1, 1, 1, 1]: the backward would read dy[1] for row 2, out of bounds.
        Action act = () => TensorOps.AvgPool2x2Backward(T(1, 1, 1, 1), T(1, 1, 3, 3));
        act.Should().Throw<ArgumentException>().WithParameterName("dx");
    }

    [Fact]
    public void ChannelOps_OutOfRange_Throw()
    {
        using Tensor src = T(2, 4, 3, 3);
        using Tensor dst = T(2, 5, 3, 3);
        ((Action)(() => TensorOps.CopyChannels(src, 2, dst, 0, 3))).Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("count");
        ((Action)(() => TensorOps.CopyChannels(src, 0, T(2, 5, 3, 2), 0, 1))).Should().Throw<ArgumentException>()
            .WithParameterName("dst").WithMessage("*Expected*got [2, 5, 3, 2]*");
        ((Action)(() => TensorOps.SplitChannels(src, T(2, 1, 3, 3), T(2, 2, 3, 3)))).Should().Throw<ArgumentException>()
            .WithParameterName("b").WithMessage("*Channel counts do not add up*");
    }

    [Fact]
    public void PadChannels_RangeOutOfBounds_ThrowsBeforeWritingOutput()
    {
        using Tensor x = T(1, 3, 2, 2);
        float[] marker = TestData.Uniform(1, 20);
        using Tensor y = _device.ToTensor(marker, 1, 5, 2, 2);
        Action act = () => TensorOps.PadChannels(x, y, 3);
        act.Should().Throw<ArgumentOutOfRangeException>();
        TensorAssert.BitIdentical(y.ToArray(), marker, "a rejected op must not touch its output");
    }

    [Fact]
    public void SoftmaxCrossEntropy_LabelOutOfRange_Throws()
    {
        using Tensor logits = T(3, 10);
        using Tensor d = T(3, 10);
        ((Action)(() => TensorOps.SoftmaxCrossEntropy(logits, [1, 10, 2], d))).Should()
            .Throw<ArgumentOutOfRangeException>().WithParameterName("labels").WithMessage("*Label 10 at 1*[0, 10)*");
        ((Action)(() => TensorOps.SoftmaxCrossEntropy(logits, [1, -1, 2], d))).Should()
            .Throw<ArgumentOutOfRangeException>().WithParameterName("labels");
        ((Action)(() => TensorOps.SoftmaxCrossEntropy(logits, [1, 2], d))).Should().Throw<ArgumentException>()
            .WithParameterName("labels").WithMessage("*Expected 3 labels, got 2*");
        ((Action)(() => TensorOps.SoftmaxCrossEntropy(T(3, 10, 1, 1), [1, 2, 3], d))).Should()
            .Throw<ArgumentException>().WithParameterName("logits");
        ((Action)(() => TensorOps.SoftmaxCrossEntropy(logits, [1, 2, 3], T(3, 9)))).Should().Throw<ArgumentException>()
            .WithParameterName("dlogits").WithMessage("*Expected [3, 10]*got [3, 9]*");
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void SgdStep_BadLearningRate_ThrowsInvalidLearningRate(float lr)
    {
        using Tensor w = T(8);
        Action act = () => TensorOps.SgdStep(w, w, w, lr, 0.9f, 0f, false);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("lr").WithMessage("Invalid learning rate*");
    }

    [Fact]
    public void SgdStep_NegativeMomentumOrWeightDecay_Throws()
    {
        using Tensor w = T(8);
        ((Action)(() => TensorOps.SgdStep(w, w, w, 0.1f, -0.9f, 0f, false))).Should()
            .Throw<ArgumentOutOfRangeException>().WithParameterName("momentum").WithMessage("Invalid momentum*");
        ((Action)(() => TensorOps.SgdStep(w, w, w, 0.1f, 0.9f, -1e-4f, false))).Should()
            .Throw<ArgumentOutOfRangeException>().WithParameterName("weightDecay").WithMessage("Invalid weight decay*");
        ((Action)(() => TensorOps.SgdStep(w, T(9), w, 0.1f, 0.9f, 0f, false))).Should().Throw<ArgumentException>()
            .WithParameterName("g").WithMessage("*Expected [8]*got [9]*");
    }

    [Fact]
    public void AdamStep_BadHyperparameters_Throw()
    {
        using Tensor w = T(8);
        ((Action)(() => TensorOps.AdamStep(w, w, w, w, -1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 1))).Should()
            .Throw<ArgumentOutOfRangeException>().WithParameterName("lr").WithMessage("Invalid learning rate: -0.001*");
        ((Action)(() => TensorOps.AdamStep(w, w, w, w, 1e-3f, 1f, 0.999f, 1e-8f, 0f, false, 1))).Should()
            .Throw<ArgumentOutOfRangeException>().WithParameterName("beta1").WithMessage("Invalid beta1*");
        ((Action)(() => TensorOps.AdamStep(w, w, w, w, 1e-3f, 0.9f, 1.5f, 1e-8f, 0f, false, 1))).Should()
            .Throw<ArgumentOutOfRangeException>().WithParameterName("beta2").WithMessage("Invalid beta2*");
        ((Action)(() => TensorOps.AdamStep(w, w, w, w, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 0))).Should()
            .Throw<ArgumentOutOfRangeException>().WithParameterName("step");
        ((Action)(() => TensorOps.AdamStep(w, w, w, T(2, 4), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, false, 1))).Should()
            .Throw<ArgumentException>().WithParameterName("v");
    }

    [Fact]
    public void Ops_TensorsFromTwoDevices_ThrowInvalidOperation()
    {
        using ComputeDevice other = ComputeDevice.Create(DeviceKind.Host);
        using Tensor a = T(4);
        using Tensor b = other.Pool.Rent(new Shape(4), MemoryCategory.Workspace);
        ((Action)(() => TensorOps.Add(a, b, a))).Should().Throw<InvalidOperationException>()
            .WithMessage("*two devices*");
        ((Action)(() => TensorOps.Copy(a, b))).Should().Throw<InvalidOperationException>();
        ((Action)(() => TensorOps.SgdStep(a, a, b, 0.1f, 0.9f, 0f, false))).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void LinearBackward_InputGradientOnAnotherDevice_ThrowsInvalidOperation()
    {
        using ComputeDevice other = ComputeDevice.Create(DeviceKind.Host);
        using Tensor x = T(2, 3);
        using Tensor w = T(4, 3);
        using Tensor dy = T(2, 4);
        using Tensor dw = T(4, 3);
        using Tensor db = T(4);
        using Tensor dx = other.Pool.Rent(new Shape(2, 3), MemoryCategory.Workspace);
        Action act = () => TensorOps.LinearBackward(x, w, dy, dx, dw, db);
        act.Should().Throw<InvalidOperationException>().WithMessage("*two devices*");
    }

    [Fact]
    public void Ops_DisposedTensor_ThrowObjectDisposed()
    {
        using Tensor a = T(2, 3);
        Tensor gone = T(2, 3);
        gone.Dispose();
        ((Action)(() => TensorOps.Add(a, gone, a))).Should().Throw<ObjectDisposedException>();
        ((Action)(() => TensorOps.Fill(gone, 1f))).Should().Throw<ObjectDisposedException>();
        ((Action)(() => TensorOps.SoftmaxCrossEntropy(a, [0, 1], gone))).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void Ops_NullTensor_ThrowArgumentNull()
    {
        using Tensor a = T(2, 3);
        ((Action)(() => TensorOps.Fill(null!, 1f))).Should().Throw<ArgumentNullException>();
        ((Action)(() => TensorOps.Add(a, null!, a))).Should().Throw<ArgumentNullException>();
        ((Action)(() => TensorOps.LinearBackward(T(2, 3), T(1, 3), T(2, 1), null, T(1, 3), null!))).Should()
            .Throw<ArgumentNullException>();
    }

    private Tensor T(params int[] dims) => _device.Pool.Rent(new Shape(dims), MemoryCategory.Workspace);
}
