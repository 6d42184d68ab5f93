using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace ProfileWriter;

/// <summary>
/// Builds, in the profile's own metadata, references to the methods of the publish's assemblies:
/// assembly, type and member references, with each signature re-encoded from the method's
/// definition (a signature names types by tokens of its own assembly, which mean nothing here).
/// </summary>
sealed class References(MetadataBuilder builder, AssemblySet assemblies) : ISignatureTypeProvider<SigType, object?>
{
    private readonly Dictionary<string, AssemblyReferenceHandle> _assemblies = new(StringComparer.Ordinal);
    private readonly Dictionary<(EntityHandle Scope, string Ns, string Name), TypeReferenceHandle> _types = new();
    private readonly Dictionary<(string Assembly, TypeDefinitionHandle Type), TypeReferenceHandle> _definitions = new();
    private readonly Dictionary<(string Assembly, string Type, MethodDefinitionHandle Method), EntityHandle> _methods = new();
    private readonly Dictionary<BlobHandle, TypeSpecificationHandle> _typeSpecs = new();
    private TypeReferenceHandle? _canon;

    /// <summary>
    /// The methods a perf map line can mean: those of its type with its name and parameter count (the
    /// map's parameter types are not resolved; an overload too many costs a little precompiled code).
    /// Generic methods are taken over <c>__Canon</c>, the shared code for reference types, since the
    /// map does not print their instantiation. Each comes with its group: the defining assembly,
    /// then the other assemblies its type arguments come from.
    /// </summary>
    public IEnumerable<(EntityHandle Method, string Group)> Methods(PerfMapMethod line)
    {
        if (!assemblies.Readers.TryGetValue(line.Assembly, out var reader)) throw new ProfileException("assembly", line.Assembly);
        int bracket = line.Type.IndexOf('[');
        var typeName = bracket < 0 ? line.Type : line.Type[..bracket];
        if (!assemblies.ByAssembly.TryGetValue((line.Assembly, AssemblySet.Normalize(typeName)), out var typeHandle))
            throw new ProfileException(line.Type.StartsWith("dynamicClass", StringComparison.Ordinal) ? "dynamic method" : "type", typeName);

        var others = new SortedSet<string>(StringComparer.Ordinal);
        var owner = Definition(line.Assembly, reader, typeHandle);
        SigType declaring = owner;
        if (bracket >= 0)
        {
            int pos = bracket;
            declaring = new GenericSig(owner, TypeArguments(line.Type, ref pos, others));
            if (pos != line.Type.Length) throw new ProfileException("type name", line.Type);
        }
        others.Remove(line.Assembly);
        var group = line.Assembly + ";" + string.Concat(others.Select(a => a + ";"));

        var found = new List<(EntityHandle, string)>();
        foreach (var methodHandle in reader.GetTypeDefinition(typeHandle).GetMethods())
        {
            var method = reader.GetMethodDefinition(methodHandle);
            if (!reader.StringComparer.Equals(method.Name, line.Name)) continue;
            MethodSignature<SigType> signature;
            try { signature = method.DecodeSignature(this, null); }
            catch (Exception e) when (e is NotSupportedException or InvalidCastException) { continue; } // an overload this writer cannot name (a function pointer, say)
            if (signature.ParameterTypes.Length != line.ParameterCount || signature.Header.CallingConvention != SignatureCallingConvention.Default) continue;

            var key = (line.Assembly, line.Type, methodHandle);
            if (!_methods.TryGetValue(key, out var handle))
            {
                try { handle = MethodReference(line.Name, declaring, owner, signature); }
                catch (Exception e) when (e is NotSupportedException or InvalidCastException) { throw new ProfileException("signature", $"{line.Type}::{line.Name}: {e.Message}"); }
                _methods[key] = handle;
            }
            found.Add((handle, group));
        }
        if (found.Count == 0) throw new ProfileException("method", line.Name);
        return found;
    }

    /// <summary>A member reference to the method (a method specification over <c>__Canon</c> when it is generic).</summary>
    private EntityHandle MethodReference(string name, SigType declaring, NamedSig owner, MethodSignature<SigType> signature)
    {
        var parent = declaring is GenericSig generic ? (EntityHandle)TypeSpecification(generic) : owner.Handle;
        var reference = builder.AddMemberReference(parent, builder.GetOrAddString(name), Blob(e => e
            .MethodSignature(signature.Header.CallingConvention, signature.GenericParameterCount, signature.Header.IsInstance)
            .Parameters(signature.ParameterTypes.Length,
                r => EncodeReturn(r, signature.ReturnType),
                ps => { foreach (var p in signature.ParameterTypes) EncodeParameter(ps.AddParameter(), p); })));
        if (signature.GenericParameterCount == 0) return reference;
        var arguments = Blob(e =>
        {
            var list = e.MethodSpecificationSignature(signature.GenericParameterCount);
            for (int i = 0; i < signature.GenericParameterCount; i++) list.AddArgument().Type(Canon(), isValueType: false);
        });
        return builder.AddMethodSpecification(reference, arguments);
    }

    private TypeSpecificationHandle TypeSpecification(GenericSig type)
    {
        var blob = Blob(e => Encode(e.TypeSpecificationSignature(), type));
        if (!_typeSpecs.TryGetValue(blob, out var handle)) _typeSpecs[blob] = handle = builder.AddTypeSpecification(blob);
        return handle;
    }

    // ---- type arguments as the map prints them: [A,B`1[C],D+E]

    private ImmutableArray<SigType> TypeArguments(string text, ref int pos, SortedSet<string> assembliesUsed)
    {
        var list = ImmutableArray.CreateBuilder<SigType>();
        pos++; // '['
        while (true)
        {
            list.Add(TypeArgument(text, ref pos, assembliesUsed));
            if (pos >= text.Length) throw new ProfileException("type name", text);
            if (text[pos] == ',') { pos++; continue; }
            if (text[pos] == ']') { pos++; return list.ToImmutable(); }
            throw new ProfileException("type name", text);
        }
    }

    private SigType TypeArgument(string text, ref int pos, SortedSet<string> assembliesUsed)
    {
        int start = pos;
        while (pos < text.Length && text[pos] is not ('[' or ']' or ',')) pos++;
        var type = TypeByName(text[start..pos], assembliesUsed);
        if (pos + 1 < text.Length && text[pos] == '[' && text[pos + 1] != ']')
            type = new GenericSig((NamedSig)type, TypeArguments(text, ref pos, assembliesUsed));
        while (pos + 1 < text.Length && text[pos] == '[' && text[pos + 1] == ']') { pos += 2; type = new SZArraySig(type); }
        return type;
    }

    private SigType TypeByName(string name, SortedSet<string> assembliesUsed)
    {
        if (name == "System.__Canon") return new NamedSig(Canon(), false);
        if (Primitives.TryGetValue(name, out var code)) return new PrimitiveSig(code);
        if (!assemblies.ByName.TryGetValue(AssemblySet.Normalize(name), out var found)) throw new ProfileException("type argument", name);
        assembliesUsed.Add(found.Assembly);
        return Definition(found.Assembly, assemblies.Readers[found.Assembly], found.Type);
    }

    private static readonly Dictionary<string, PrimitiveTypeCode> Primitives = new(StringComparer.Ordinal)
    {
        ["System.Boolean"] = PrimitiveTypeCode.Boolean, ["System.Char"] = PrimitiveTypeCode.Char,
        ["System.SByte"] = PrimitiveTypeCode.SByte, ["System.Byte"] = PrimitiveTypeCode.Byte,
        ["System.Int16"] = PrimitiveTypeCode.Int16, ["System.UInt16"] = PrimitiveTypeCode.UInt16,
        ["System.Int32"] = PrimitiveTypeCode.Int32, ["System.UInt32"] = PrimitiveTypeCode.UInt32,
        ["System.Int64"] = PrimitiveTypeCode.Int64, ["System.UInt64"] = PrimitiveTypeCode.UInt64,
        ["System.Single"] = PrimitiveTypeCode.Single, ["System.Double"] = PrimitiveTypeCode.Double,
        ["System.IntPtr"] = PrimitiveTypeCode.IntPtr, ["System.UIntPtr"] = PrimitiveTypeCode.UIntPtr,
        ["System.String"] = PrimitiveTypeCode.String, ["System.Object"] = PrimitiveTypeCode.Object,
    };

    // ---- references

    private AssemblyReferenceHandle Assembly(string name)
    {
        if (!_assemblies.TryGetValue(name, out var handle))
            _assemblies[name] = handle = builder.AddAssemblyReference(builder.GetOrAddString(name), new Version(0, 0, 0, 0), default, default, 0, default);
        return handle;
    }

    private TypeReferenceHandle TypeReference(EntityHandle scope, string ns, string name)
    {
        if (!_types.TryGetValue((scope, ns, name), out var handle))
            _types[(scope, ns, name)] = handle = builder.AddTypeReference(scope, builder.GetOrAddString(ns), builder.GetOrAddString(name));
        return handle;
    }

    /// <summary>The type the compiler uses for shared generic code; its reader knows it by this assembly name.</summary>
    private TypeReferenceHandle Canon() => _canon ??= TypeReference(Assembly("System.Private.Canon"), "System", "__Canon");

    private NamedSig Definition(string assembly, MetadataReader reader, TypeDefinitionHandle handle)
    {
        if (!_definitions.TryGetValue((assembly, handle), out var reference))
        {
            var type = reader.GetTypeDefinition(handle);
            reference = type.IsNested
                ? TypeReference(Definition(assembly, reader, type.GetDeclaringType()).Handle, "", reader.GetString(type.Name))
                : TypeReference(Assembly(assembly), reader.GetString(type.Namespace), reader.GetString(type.Name));
            _definitions[(assembly, handle)] = reference;
        }
        return new NamedSig(reference, IsValueType(reader, handle));
    }

    private TypeReferenceHandle ReferenceFor(string assembly, MetadataReader reader, TypeReferenceHandle handle)
    {
        var type = reader.GetTypeReference(handle);
        EntityHandle scope = type.ResolutionScope.Kind switch
        {
            HandleKind.AssemblyReference => Assembly(reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope).Name)),
            HandleKind.TypeReference => ReferenceFor(assembly, reader, (TypeReferenceHandle)type.ResolutionScope),
            HandleKind.ModuleDefinition => Assembly(assembly),
            var other => throw new NotSupportedException("type reference scoped to " + other),
        };
        return TypeReference(scope, reader.GetString(type.Namespace), reader.GetString(type.Name));
    }

    private static bool IsValueType(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        string? baseName = null;
        if (type.BaseType.IsNil) return false; // interfaces, <Module>, System.Object
        if (type.BaseType.Kind == HandleKind.TypeReference)
        {
            var baseReference = reader.GetTypeReference((TypeReferenceHandle)type.BaseType);
            baseName = FullName(reader, baseReference.Namespace, baseReference.Name);
        }
        else if (type.BaseType.Kind == HandleKind.TypeDefinition)
        {
            var baseDefinition = reader.GetTypeDefinition((TypeDefinitionHandle)type.BaseType);
            baseName = FullName(reader, baseDefinition.Namespace, baseDefinition.Name);
        }
        return baseName == "System.Enum" || (baseName == "System.ValueType" && FullName(reader, type.Namespace, type.Name) != "System.Enum");
    }

    private static string FullName(MetadataReader reader, StringHandle ns, StringHandle name) => reader.GetString(ns) + "." + reader.GetString(name);

    // ---- decoding a definition's signature (ISignatureTypeProvider)

    private static string AssemblyOf(MetadataReader reader) => reader.GetString(reader.GetAssemblyDefinition().Name);
    public SigType GetPrimitiveType(PrimitiveTypeCode typeCode) => new PrimitiveSig(typeCode);
    public SigType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        new NamedSig(Definition(AssemblyOf(reader), reader, handle).Handle, rawTypeKind == (byte)SignatureTypeKind.ValueType);
    public SigType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        new NamedSig(ReferenceFor(AssemblyOf(reader), reader, handle), rawTypeKind == (byte)SignatureTypeKind.ValueType);
    public SigType GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    public SigType GetSZArrayType(SigType elementType) => new SZArraySig(elementType);
    public SigType GetArrayType(SigType elementType, ArrayShape shape) => new ArraySig(elementType, shape);
    public SigType GetByReferenceType(SigType elementType) => new ByRefSig(elementType);
    public SigType GetPointerType(SigType elementType) => new PointerSig(elementType);
    public SigType GetGenericInstantiation(SigType genericType, ImmutableArray<SigType> typeArguments) => new GenericSig((NamedSig)genericType, typeArguments);
    public SigType GetGenericMethodParameter(object? genericContext, int index) => new MethodParameterSig(index);
    public SigType GetGenericTypeParameter(object? genericContext, int index) => new TypeParameterSig(index);
    public SigType GetModifiedType(SigType modifier, SigType unmodifiedType, bool isRequired) => new ModifiedSig(((NamedSig)modifier).Handle, unmodifiedType, isRequired);
    public SigType GetPinnedType(SigType elementType) => throw new NotSupportedException("pinned type");
    public SigType GetFunctionPointerType(MethodSignature<SigType> signature) => throw new NotSupportedException("function pointer");

    // ---- encoding

    private BlobHandle Blob(Action<BlobEncoder> write)
    {
        var blob = new BlobBuilder();
        write(new BlobEncoder(blob));
        return builder.GetOrAddBlob(blob);
    }

    private static SigType Modifiers(SigType type, Func<CustomModifiersEncoder> start)
    {
        CustomModifiersEncoder? encoder = null;
        while (type is ModifiedSig m)
        {
            encoder = (encoder ?? start()).AddModifier(m.Modifier, isOptional: !m.Required);
            type = m.Inner;
        }
        return type;
    }

    private static void EncodeParameter(ParameterTypeEncoder encoder, SigType type)
    {
        type = Modifiers(type, encoder.CustomModifiers);
        if (type is PrimitiveSig { Code: PrimitiveTypeCode.TypedReference }) encoder.TypedReference();
        else if (type is ByRefSig byRef) Encode(encoder.Type(isByRef: true), byRef.Element);
        else Encode(encoder.Type(), type);
    }

    private static void EncodeReturn(ReturnTypeEncoder encoder, SigType type)
    {
        type = Modifiers(type, encoder.CustomModifiers);
        if (type is PrimitiveSig { Code: PrimitiveTypeCode.Void }) encoder.Void();
        else if (type is PrimitiveSig { Code: PrimitiveTypeCode.TypedReference }) encoder.TypedReference();
        else if (type is ByRefSig byRef) Encode(encoder.Type(isByRef: true), byRef.Element);
        else Encode(encoder.Type(), type);
    }

    private static void Encode(SignatureTypeEncoder encoder, SigType type)
    {
        switch (type)
        {
            case PrimitiveSig { Code: PrimitiveTypeCode.TypedReference }: encoder.Builder.WriteByte((byte)SignatureTypeCode.TypedReference); break;
            case PrimitiveSig p: encoder.PrimitiveType(p.Code); break;
            case NamedSig n: encoder.Type(n.Handle, n.IsValueType); break;
            case GenericSig i:
                var arguments = encoder.GenericInstantiation(i.Generic.Handle, i.Arguments.Length, i.Generic.IsValueType);
                foreach (var argument in i.Arguments) Encode(arguments.AddArgument(), argument);
                break;
            case SZArraySig a: Encode(encoder.SZArray(), a.Element); break;
            case ArraySig a:
                encoder.Array(out var element, out var shape);
                Encode(element, a.Element);
                shape.Shape(a.Shape.Rank, a.Shape.Sizes, a.Shape.LowerBounds);
                break;
            case PointerSig { Element: PrimitiveSig { Code: PrimitiveTypeCode.Void } }: encoder.VoidPointer(); break;
            case PointerSig p: Encode(encoder.Pointer(), p.Element); break;
            case TypeParameterSig t: encoder.GenericTypeParameter(t.Index); break;
            case MethodParameterSig m: encoder.GenericMethodTypeParameter(m.Index); break;
            case ModifiedSig: Encode(encoder, Modifiers(type, encoder.CustomModifiers)); break;
            default: throw new NotSupportedException("type in signature: " + type);
        }
    }
}

/// <summary>A type as a signature names it, with its references already in the profile's metadata.</summary>
abstract record SigType;
sealed record PrimitiveSig(PrimitiveTypeCode Code) : SigType;
sealed record NamedSig(EntityHandle Handle, bool IsValueType) : SigType;
sealed record GenericSig(NamedSig Generic, ImmutableArray<SigType> Arguments) : SigType;
sealed record SZArraySig(SigType Element) : SigType;
sealed record ArraySig(SigType Element, ArrayShape Shape) : SigType;
sealed record PointerSig(SigType Element) : SigType;
sealed record ByRefSig(SigType Element) : SigType;
sealed record TypeParameterSig(int Index) : SigType;
sealed record MethodParameterSig(int Index) : SigType;
sealed record ModifiedSig(EntityHandle Modifier, SigType Inner, bool Required) : SigType;
