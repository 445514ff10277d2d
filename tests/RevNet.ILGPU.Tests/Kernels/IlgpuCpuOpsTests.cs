using RevNet.ILGPU.Tests.Fixtures;

namespace RevNet.ILGPU.Tests.Kernels;

// The op test families bound to the IlgpuCpu backend (one sealed one-liner each, sharing the collection's device).
[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuElementwiseOpsTests(IlgpuCpuFixture fixture) : ElementwiseOpsTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuChannelOpsTests(IlgpuCpuFixture fixture) : ChannelOpsTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuPoolingOpsTests(IlgpuCpuFixture fixture) : PoolingOpsTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuConv2dOpsTests(IlgpuCpuFixture fixture) : Conv2dOpsTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuBatchNormOpsTests(IlgpuCpuFixture fixture) : BatchNormOpsTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuLinearOpsTests(IlgpuCpuFixture fixture) : LinearOpsTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuSoftmaxCrossEntropyOpsTests(IlgpuCpuFixture fixture) : SoftmaxCrossEntropyOpsTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuOptimizerOpsTests(IlgpuCpuFixture fixture) : OptimizerOpsTests(fixture);

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuCpuWorkspaceOpsTests(IlgpuCpuFixture fixture) : WorkspaceOpsTests(fixture);
