namespace RevNet.ILGPU.Tests.Reference;

/// <summary>Double-precision twins of 2x2 average pooling and global average pooling, forward and backward.</summary>
public static class PoolingReference
{
    /// <summary>x [n, c, h, w] (h, w even) → y [n, c, h/2, w/2], the mean of each 2x2 window.</summary>
    public static double[] AvgPool2x2(double[] x, int n, int c, int h, int w)
    {
        int ho = h / 2;
        int wo = w / 2;
        double[] y = new double[n * c * ho * wo];
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int i = 0; i < ho; i++)
            {
                for (int j = 0; j < wo; j++)
                {
                    double sum = 0;
                    for (int di = 0; di < 2; di++)
                    {
                        for (int dj = 0; dj < 2; dj++)
                        {
                            sum += x[(((plane * h) + (2 * i) + di) * w) + (2 * j) + dj];
                        }
                    }

                    y[(((plane * ho) + i) * wo) + j] = sum / 4;
                }
            }
        }

        return y;
    }

    /// <summary>dx[n, c, i, j] = dy[n, c, i/2, j/2] / 4.</summary>
    public static double[] AvgPool2x2Backward(double[] dy, int n, int c, int h, int w)
    {
        int ho = h / 2;
        int wo = w / 2;
        double[] dx = new double[n * c * h * w];
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int i = 0; i < h; i++)
            {
                for (int j = 0; j < w; j++)
                {
                    dx[(((plane * h) + i) * w) + j] = dy[(((plane * ho) + (i / 2)) * wo) + (j / 2)] / 4;
                }
            }
        }

        return dx;
    }

    /// <summary>x [n, c, hw] → y [n, c], the mean over each plane.</summary>
    public static double[] GlobalAvgPool(double[] x, int n, int c, int hw)
    {
        double[] y = new double[n * c];
        for (int plane = 0; plane < n * c; plane++)
        {
            double sum = 0;
            for (int i = 0; i < hw; i++)
            {
                sum += x[(plane * hw) + i];
            }

            y[plane] = sum / hw;
        }

        return y;
    }

    /// <summary>dx[n, c, i] = dy[n, c] / hw.</summary>
    public static double[] GlobalAvgPoolBackward(double[] dy, int n, int c, int hw)
    {
        double[] dx = new double[n * c * hw];
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int i = 0; i < hw; i++)
            {
                dx[(plane * hw) + i] = dy[plane] / hw;
            }
        }

        return dx;
    }
}
