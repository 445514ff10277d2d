namespace RevNet.ILGPU.Tests.Reference;

/// <summary>Double-precision fully connected layer: x [N, In], w [Out, In], b [Out], y [N, Out].</summary>
public static class LinearReference
{
    /// <summary>y[n, o] = b[o] + Σ_i x[n, i]·w[o, i].</summary>
    public static double[] Forward(double[] x, double[] w, double[] b, int n, int inFeatures, int outFeatures)
    {
        double[] y = new double[n * outFeatures];
        for (int row = 0; row < n; row++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = b[o];
                for (int i = 0; i < inFeatures; i++)
                {
                    sum += x[(row * inFeatures) + i] * w[(o * inFeatures) + i];
                }

                y[(row * outFeatures) + o] = sum;
            }
        }

        return y;
    }

    /// <summary>Returns dx = dy·w; dw += dyᵀ·x and db += Σ_n dy (accumulate).</summary>
    public static double[] Backward(
        double[] x, double[] w, double[] dy, int n, int inFeatures, int outFeatures, double[] dw, double[] db)
    {
        double[] dx = new double[n * inFeatures];
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                double sum = 0;
                for (int o = 0; o < outFeatures; o++)
                {
                    sum += dy[(row * outFeatures) + o] * w[(o * inFeatures) + i];
                }

                dx[(row * inFeatures) + i] = sum;
            }
        }

        for (int o = 0; o < outFeatures; o++)
        {
            double bias = 0;
            for (int row = 0; row < n; row++)
            {
                bias += dy[(row * outFeatures) + o];
            }

            db[o] += bias;
            for (int i = 0; i < inFeatures; i++)
            {
                double sum = 0;
                for (int row = 0; row < n; row++)
                {
                    sum += dy[(row * outFeatures) + o] * x[(row * inFeatures) + i];
                }

                dw[(o * inFeatures) + i] += sum;
            }
        }

        return dx;
    }
}
