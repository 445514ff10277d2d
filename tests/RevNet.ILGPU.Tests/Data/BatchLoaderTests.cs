using RevNet.ILGPU.Data;
using RevNet.ILGPU.Devices;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Tests.Data;

public sealed class BatchLoaderTests
{
    // 103 images of 1x3x3 whose pixels all equal the image index (so a batch reveals which images it holds).
    private static readonly Dataset Indexed = MakeIndexed(103);

    [Fact]
    public void Next_SameSeed_SameBatches_AcrossLoaders()
    {
        var options = new BatchLoaderOptions { Seed = 11, Augmentation = new Augmentation(1, true) };
        List<(float[], int[])> a = Drain(new BatchLoader(Indexed, 16, options), epochs: 2);
        List<(float[], int[])> b = Drain(new BatchLoader(Indexed, 16, options), epochs: 2);
        a.Should().HaveCount(12);
        for (int i = 0; i < a.Count; i++)
        {
            a[i].Item1.Should().Equal(b[i].Item1);
            a[i].Item2.Should().Equal(b[i].Item2);
        }
    }

    [Fact]
    public void Next_DifferentSeedOrEpoch_DifferentOrder()
    {
        using var a = new BatchLoader(Indexed, 16, new BatchLoaderOptions { Seed = 1 });
        using var b = new BatchLoader(Indexed, 16, new BatchLoaderOptions { Seed = 2 });
        a.GetEpochOrder(0).Should().NotEqual(b.GetEpochOrder(0));
        a.GetEpochOrder(0).Should().NotEqual(a.GetEpochOrder(1));
        a.GetEpochOrder(0).Should().BeEquivalentTo(Enumerable.Range(0, 103));
    }

    [Fact]
    public void Next_OneEpoch_DeliversTheEpochOrder_AndDropsThePartialBatch()
    {
        using var loader = new BatchLoader(Indexed, 10, new BatchLoaderOptions { Seed = 5 });
        int[] order = loader.GetEpochOrder(0);
        loader.BatchesPerEpoch.Should().Be(10);
        var seen = new List<int>();
        int batches = 0;
        while (loader.Next() is { } batch)
        {
            batch.Epoch.Should().Be(0);
            batch.Index.Should().Be(batches++);
            batch.Count.Should().Be(10);
            batch.Shape.Should().Be(new Shape(10, 1, 3, 3));
            float[] images = batch.Images.ToArray();
            int[] labels = batch.Labels.ToArray();
            for (int i = 0; i < batch.Count; i++)
            {
                int id = (int)images[i * 9];
                images.AsSpan(i * 9, 9).ToArray().Should().AllBeEquivalentTo((float)id);
                labels[i].Should().Be(id % 10);
                seen.Add(id);
            }
        }

        batches.Should().Be(10);
        seen.Should().Equal(order.Take(100));
        loader.Position.Should().Be(new LoaderPosition(1, 0, 5, 10, 103));
    }

    [Fact]
    public void Next_KeepLast_DeliversPartialBatchInOrder()
    {
        using var loader = new BatchLoader(Indexed, 10, BatchLoaderOptions.Evaluation);
        loader.BatchesPerEpoch.Should().Be(11);
        var ids = new List<int>();
        HostBatch? last = null;
        while (loader.Next() is { } batch)
        {
            float[] images = batch.Images.ToArray();
            ids.AddRange(Enumerable.Range(0, batch.Count).Select(i => (int)images[i * 9]));
            last = batch;
        }

        ids.Should().Equal(Enumerable.Range(0, 103));
        last!.Count.Should().Be(3);
        last.Shape.Should().Be(new Shape(3, 1, 3, 3));
        last.Images.Length.Should().Be(27);
    }

    [Fact]
    public void Prefetch_ProducesTheSameBatchesAsSynchronous_AndIsUsed()
    {
        var options = new BatchLoaderOptions { Seed = 3, Augmentation = new Augmentation(1, true), DropLast = false };
        using var pre = new BatchLoader(Indexed, 8, options);
        using var sync = new BatchLoader(Indexed, 8, options with { Prefetch = false });
        List<(float[], int[])> a = Drain(pre, epochs: 3);
        List<(float[], int[])> b = Drain(sync, epochs: 3);
        a.Should().HaveCount(39);
        for (int i = 0; i < a.Count; i++)
        {
            a[i].Item1.Should().Equal(b[i].Item1, "batch {0}", i);
            a[i].Item2.Should().Equal(b[i].Item2);
        }

        pre.PrefetchHits.Should().BeGreaterThan(30, "all but the first batch come from the background");
        sync.PrefetchHits.Should().Be(0);
    }

    [Fact]
    public void Prefetch_PreparesOnAnotherThread()
    {
        using var loader = new BatchLoader(Indexed, 8, new BatchLoaderOptions { Seed = 1 });
        HostBatch first = loader.Next()!;
        first.PreparedOnThread.Should().Be(Environment.CurrentManagedThreadId, "nothing was prefetched yet");

        // A waiting caller may run a not-yet-started preparation itself (task inlining); give the pool time first.
        SpinWait.SpinUntil(() => loader.IsPrefetchReady, TimeSpan.FromSeconds(5)).Should().BeTrue();
        HostBatch second = loader.Next()!;
        second.PreparedOnThread.Should().NotBe(Environment.CurrentManagedThreadId);
        loader.PrefetchHits.Should().Be(1);
    }

    [Fact]
    public void Restore_SavedPosition_ReplaysTheFollowingBatches()
    {
        var options = new BatchLoaderOptions { Seed = 9, Augmentation = new Augmentation(1, true) };
        using var first = new BatchLoader(Indexed, 16, options);
        first.Next();
        first.Next();
        first.Next();
        LoaderPosition saved = first.Position;
        saved.Should().Be(new LoaderPosition(0, 3, 9, 16, 103));
        List<(float[], int[])> expected = Drain(first, epochs: 2);

        using var resumed = new BatchLoader(Indexed, 16, options with { Seed = 12345 });
        resumed.Restore(saved);
        resumed.Seed.Should().Be(9);
        List<(float[], int[])> actual = Drain(resumed, epochs: 2);

        actual.Should().HaveCount(expected.Count);
        for (int i = 0; i < actual.Count; i++)
        {
            actual[i].Item1.Should().Equal(expected[i].Item1);
        }
    }

    [Fact]
    public void Restore_OtherBatchSizeOrDataset_Throws()
    {
        using var loader = new BatchLoader(Indexed, 16);
        Action wrongBatch = () => loader.Restore(new LoaderPosition(0, 0, 0, 32, 103));
        Action wrongData = () => loader.Restore(new LoaderPosition(0, 0, 0, 16, 100));
        Action pastEnd = () => loader.Restore(new LoaderPosition(0, 7, 0, 16, 103));
        wrongBatch.Should().Throw<ArgumentException>().WithMessage("*batch size 32*");
        wrongData.Should().Throw<ArgumentException>();
        pastEnd.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Constructor_BatchLargerThanDatasetWithDropLast_Throws()
    {
        Action act = () => _ = new BatchLoader(Indexed, 200);
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("batchSize");
    }

    [Fact]
    public void ToTensor_CopiesTheBatchToTheDevice()
    {
        using ComputeDevice device = ComputeDevice.Create(DeviceKind.Host);
        using var loader = new BatchLoader(Indexed, 4, BatchLoaderOptions.Evaluation);
        HostBatch batch = loader.Next()!;
        using (Tensor t = batch.ToTensor(device))
        {
            t.Shape.Should().Be(new Shape(4, 1, 3, 3));
            t.ToArray().Should().Equal(batch.Images.ToArray());
            t.Category.Should().Be(MemoryCategory.Workspace);
        }

        device.Pool.RentedCount.Should().Be(0);
    }

    [Fact]
    public void Next_AfterDispose_Throws()
    {
        var loader = new BatchLoader(Indexed, 4);
        loader.Next();
        loader.Dispose();
        Action act = () => loader.Next();
        act.Should().Throw<ObjectDisposedException>();
    }

    internal static List<(float[] Images, int[] Labels)> Drain(BatchLoader loader, int epochs)
    {
        var result = new List<(float[], int[])>();
        for (int e = 0; e < epochs; e++)
        {
            while (loader.Next() is { } batch)
            {
                result.Add((batch.Images.ToArray(), batch.Labels.ToArray()));
            }
        }

        return result;
    }

    private static Dataset MakeIndexed(int count, int side = 3)
    {
        int size = side * side;
        float[] images = new float[count * size];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            images.AsSpan(i * size, size).Fill(i);
            labels[i] = i % 10;
        }

        return new Dataset(images, labels, 1, side, side, 10);
    }
}
