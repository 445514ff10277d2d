using RevNet.ILGPU.Tests.Fixtures;

namespace RevNet.ILGPU.Tests.Kernels;

// The op test families bound to the Host backend (one sealed one-liner each, sharing the collection's device).
[Collection(HostCollection.Name)]
public sealed class HostElementwiseOpsTests(HostFixture fixture) : ElementwiseOpsTests(fixture);

[Collection(HostCollection.Name)]
public sealed class HostChannelOpsTests(HostFixture fixture) : ChannelOpsTests(fixture);

[Collection(HostCollection.Name)]
public sealed class HostPoolingOpsTests(HostFixture fixture) : PoolingOpsTests(fixture);

[Collection(HostCollection.Name)]
public sealed class HostConv2dOpsTests(HostFixture fixture) : Conv2dOpsTests(fixture);

[Collection(HostCollection.Name)]
public sealed class HostBatchNormOpsTests(HostFixture fixture) : BatchNormOpsTests(fixture);

[Collection(HostCollection.Name)]
public sealed class HostLinearOpsTests(HostFixture fixture) : LinearOpsTests(fixture);

[Collection(HostCollection.Name)]
public sealed class HostSoftmaxCrossEntropyOpsTests(HostFixture fixture) : SoftmaxCrossEntropyOpsTests(fixture);

[Collection(HostCollection.Name)]
public sealed class HostOptimizerOpsTests(HostFixture fixture) : OptimizerOpsTests(fixture);

[Collection(HostCollection.Name)]
public sealed class HostWorkspaceOpsTests(HostFixture fixture) : WorkspaceOpsTests(fixture);
