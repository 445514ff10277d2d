using RevNet.ILGPU.Tests.Fixtures;

namespace RevNet.ILGPU.Tests.Kernels;

// The op test families bound to the Cuda backend (one sealed one-liner each, sharing the collection's device).
[Collection(CudaCollection.Name)]
public sealed class CudaElementwiseOpsTests(CudaFixture fixture) : ElementwiseOpsTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaChannelOpsTests(CudaFixture fixture) : ChannelOpsTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaPoolingOpsTests(CudaFixture fixture) : PoolingOpsTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaConv2dOpsTests(CudaFixture fixture) : Conv2dOpsTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaBatchNormOpsTests(CudaFixture fixture) : BatchNormOpsTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaLinearOpsTests(CudaFixture fixture) : LinearOpsTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaSoftmaxCrossEntropyOpsTests(CudaFixture fixture) : SoftmaxCrossEntropyOpsTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaOptimizerOpsTests(CudaFixture fixture) : OptimizerOpsTests(fixture);

[Collection(CudaCollection.Name)]
public sealed class CudaWorkspaceOpsTests(CudaFixture fixture) : WorkspaceOpsTests(fixture);
