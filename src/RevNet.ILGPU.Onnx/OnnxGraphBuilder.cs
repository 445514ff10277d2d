using Google.Protobuf;
using RevNet.ILGPU.Onnx.Proto;
using RevNet.ILGPU.Tensors;

namespace RevNet.ILGPU.Onnx;

/// <summary>A value of the graph under construction: its ONNX name and the shape the library gives it.</summary>
internal readonly record struct OnnxValue(string Name, Shape Shape);

/// <summary>Collects nodes and initializers with unique names.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new();

    /// <summary>Reserves a name: the stem itself if free, else the stem with a numeric suffix.</summary>
    public string Unique(string stem)
    {
        string clean = string.IsNullOrWhiteSpace(stem) ? "v" : stem;
        string name = clean;
        for (int k = 1; !_names.Add(name); k++)
        {
            name = $"{clean}_{k}";
        }

        return name;
    }

    /// <summary>Adds a node and returns the names of its outputs (derived from the node name).</summary>
    public string[] Node(string opType, string nodeStem, IEnumerable<string> inputs, int outputs = 1, params AttributeProto[] attributes)
    {
        string nodeName = Unique(nodeStem + "/" + opType);
        var node = new NodeProto { OpType = opType, Name = nodeName };
        node.Input.AddRange(inputs);
        string[] outNames = new string[outputs];
        for (int i = 0; i < outputs; i++)
        {
            outNames[i] = Unique(outputs == 1 ? nodeName + ":0" : $"{nodeName}:{i}");
            node.Output.Add(outNames[i]);
        }

        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outNames;
    }

    /// <summary>Adds a float initializer.</summary>
    public string Initializer(string stem, ReadOnlySpan<float> data, params long[] dims)
    {
        string name = Unique(stem);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        byte[] raw = new byte[data.Length * sizeof(float)];
        for (int i = 0; i < data.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), data[i]);
        }

        t.RawData = ByteString.CopyFrom(raw);
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds an int64 initializer.</summary>
    public string Int64Initializer(string stem, params long[] data)
    {
        string name = Unique(stem);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(data.Length);
        t.Int64Data.AddRange(data);
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A shared scalar float constant (one initializer per value).</summary>
    public string Scalar(float value)
    {
        string key = BitConverter.SingleToInt32Bits(value).ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        if (!_constants.TryGetValue(key, out string? name))
        {
            name = Initializer("const_" + key, [value]);
            _constants[key] = name;
        }

        return name;
    }

    /// <summary>A shared int64 vector constant.</summary>
    public string Int64Constant(params long[] values)
    {
        string key = "i64:" + string.Join(",", values);
        if (!_constants.TryGetValue(key, out string? name))
        {
            name = Int64Initializer("const_i64_" + string.Join("_", values), values);
            _constants[key] = name;
        }

        return name;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A float tensor value info with a symbolic first dimension.</summary>
    public static ValueInfoProto TensorInfo(string name, Shape shape, string batchDimension)
    {
        var tensorShape = new TensorShapeProto();
        for (int i = 0; i < shape.Rank; i++)
        {
            tensorShape.Dim.Add(i == 0
                ? new TensorShapeProto.Types.Dimension { DimParam = batchDimension }
                : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape },
            },
        };
    }
}
