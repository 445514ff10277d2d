using RevNet.ILGPU.Tests.Fixtures;

namespace RevNet.ILGPU.Tests.Kernels;

// The op test families bound to the OpenCL backend (one sealed one-liner each, sharing the collection's device).
[Collection(OpenCLCollection.Name)]
public sealed class OpenCLElementwiseOpsTests(OpenCLFixture fixture) : ElementwiseOpsTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLChannelOpsTests(OpenCLFixture fixture) : ChannelOpsTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLPoolingOpsTests(OpenCLFixture fixture) : PoolingOpsTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLConv2dOpsTests(OpenCLFixture fixture) : Conv2dOpsTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLBatchNormOpsTests(OpenCLFixture fixture) : BatchNormOpsTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLLinearOpsTests(OpenCLFixture fixture) : LinearOpsTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLSoftmaxCrossEntropyOpsTests(OpenCLFixture fixture) : SoftmaxCrossEntropyOpsTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLOptimizerOpsTests(OpenCLFixture fixture) : OptimizerOpsTests(fixture);

[Collection(OpenCLCollection.Name)]
public sealed class OpenCLWorkspaceOpsTests(OpenCLFixture fixture) : WorkspaceOpsTests(fixture);
