using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Layers;
using RevNet.ILGPU.Models;
using RevNet.ILGPU.Tensors;
using RevNet.ILGPU.Tests.Fixtures;
using RevNet.ILGPU.Tests.Support;

namespace RevNet.ILGPU.Tests.Models;

[Collection(HostCollection.Name)]
public sealed class ModelZooTests(HostFixture fixture)
{
    /// <summary>Counts printed by the PyTorch peer (../shared/peers/torch_revnet.py params, PyTorch 1.13.1).</summary>
    [SkippableTheory]
    [InlineData("revnet38", 464_890, 38)]
    [InlineData("revnet110", 1_729_194, 110)]
    [InlineData("revnet164", 1_748_778, 164)]
    [InlineData("resnet32", 464_154, 32)]
    [InlineData("resnet110", 1_727_962, 110)]
    [InlineData("resnet164", 1_703_258, 164)]
    public void Create_CifarShapes_ParameterCountMatchesPyTorchPeer(string name, long expected, int depth)
    {
        ComputeDevice device = fixture.Require();
        int rented = device.Pool.RentedCount;
        using (Model model = ModelZoo.Create(name, device, ModelOptions.Cifar10))
        {
            model.ParameterCount.Should().Be(expected);
            model.Depth.Should().Be(depth);
            model.Name.Should().Be(name);
            model.GetOutputShape(model.InputShape(4)).Should().Be(new Shape(4, 10));
            model.Mode.Should().Be(name.StartsWith("revnet", StringComparison.Ordinal) ? ActivationMode.Reconstruct : ActivationMode.Store);
        }

        device.Pool.RentedCount.Should().Be(rented);
    }

    [Fact]
    public void Names_ListEveryModel_AndUnknownNameThrowsWithTheList()
    {
        ModelZoo.Names.Should().Contain(["revnet38", "revnet110", "revnet164", "resnet32", "resnet110", "resnet164"]);
        Action act = () => ModelZoo.Spec("vgg16");
        act.Should().Throw<ArgumentException>().WithParameterName("name").WithMessage("*vgg16*revnet38*");
    }

    [SkippableFact]
    public void Create_SameSeed_SameWeights_OtherSeed_OtherWeights()
    {
        ComputeDevice device = fixture.Require();
        using Model a = ModelZoo.Create("revnet-small", device, ModelOptions.FashionMnist with { Seed = 3 });
        using Model b = ModelZoo.Create("revnet-small", device, ModelOptions.FashionMnist with { Seed = 3 });
        using Model c = ModelZoo.Create("revnet-small", device, ModelOptions.FashionMnist with { Seed = 4 });
        a.Parameters.Select(p => p.Name).Should().OnlyHaveUniqueItems();
        for (int i = 0; i < a.Parameters.Count; i++)
        {
            TensorAssert.BitIdentical(a.Parameters[i].Value.ToArray(), b.Parameters[i].Value.ToArray(), a.Parameters[i].Name);
        }

        c.Parameters[0].Value.ToArray().Should().NotEqual(a.Parameters[0].Value.ToArray());
    }
}
