using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// The published file precompiles only the methods named in profile/PaymentHub.mibc (a ReadyToRun
/// profile recorded by profile/record.sh); whatever the profile misses is compiled by the JIT at
/// run time, which costs start-up time and memory. These tests read the profile as the ReadyToRun
/// compiler does and fail when it no longer names PaymentHub's own code, as happens after a
/// refactoring renames what start-up runs: then record it again. (New code, and framework or
/// package methods renamed by an upgrade, they cannot see.)
/// </summary>
public sealed class StartupProfileTests
{
    private static readonly string ProfilePath = Path.Combine(ErrorCodesTests.RepositoryRoot(), "profile", "PaymentHub.mibc");

    [Fact]
    public void TheProfile_HasTheShapeTheCompilerReads()
    {
        using var pe = new PEReader(File.OpenRead(ProfilePath));
        var reader = pe.GetMetadataReader();
        var dictionary = reader.MethodDefinitions.Select(reader.GetMethodDefinition)
            .Single(m => reader.GetString(m.Name) == "AssemblyDictionary");

        // ldstr "<defining assembly>;<others>;"  ldtoken <group method>  pop, once per group.
        var groups = new List<(string Name, MethodDefinitionHandle Method)>();
        var il = pe.GetMethodBody(dictionary.RelativeVirtualAddress).GetILReader();
        while (il.RemainingBytes > 1)
        {
            Assert.Equal(0x72, il.ReadByte()); // ldstr
            var name = reader.GetUserString(MetadataTokens.UserStringHandle(il.ReadInt32() & 0xFFFFFF));
            Assert.Equal(0xD0, il.ReadByte()); // ldtoken
            var group = (MethodDefinitionHandle)MetadataTokens.EntityHandle(il.ReadInt32());
            Assert.Equal(0x26, il.ReadByte()); // pop
            groups.Add((name, group));
        }
        Assert.Equal(0x2A, il.ReadByte()); // ret

        Assert.Contains(groups, g => g.Name == "PaymentHub;");
        Assert.Contains(groups, g => g.Name == "System.Private.CoreLib;");
        int methods = 0;
        foreach (var (name, group) in groups)
        {
            Assert.EndsWith(";", name);
            var body = pe.GetMethodBody(reader.GetMethodDefinition(group).RelativeVirtualAddress).GetILReader();
            while (body.RemainingBytes > 1)
            {
                Assert.Equal(0xD0, body.ReadByte()); // ldtoken
                var token = MetadataTokens.EntityHandle(body.ReadInt32());
                Assert.True(token.Kind is HandleKind.MemberReference or HandleKind.MethodSpecification, $"{name}: {token.Kind}");
                Assert.Equal(0x26, body.ReadByte()); // pop
                methods++;
            }
        }
        // Start-up alone runs several thousand methods; a profile of a few would precompile nothing useful.
        Assert.True(methods > 10_000, $"the profile names {methods} methods");
    }

    [Fact]
    public void TheProfile_StillNamesPaymentHubsOwnMethods()
    {
        var current = MethodsOf(typeof(Program).Assembly.Location);
        using var pe = new PEReader(File.OpenRead(ProfilePath));
        var reader = pe.GetMetadataReader();

        var named = new List<string>();
        foreach (var handle in reader.MemberReferences)
        {
            var member = reader.GetMemberReference(handle);
            var type = member.Parent.Kind switch
            {
                HandleKind.TypeReference => (TypeReferenceHandle)member.Parent,
                HandleKind.TypeSpecification => GenericTypeOf(reader, (TypeSpecificationHandle)member.Parent),
                _ => default,
            };
            if (type.IsNil || AssemblyOf(reader, type) != "PaymentHub") continue;
            named.Add(Normalize(FullName(reader, type)) + "::" + reader.GetString(member.Name));
        }

        Assert.Contains("Program::<Main>$", named);
        var missing = named.Where(m => !current.Contains(m)).ToList();
        // Right after recording a few are missing (code that only the trimmed publish generates, such as
        // the configuration binder's); renamed lambdas and removed methods add up over time.
        Assert.True(missing.Count <= named.Count / 20,
            $"{missing.Count} of the profile's {named.Count} PaymentHub methods no longer exist (record it again: bash profile/record.sh), e.g. " +
            string.Join(", ", missing.Take(5)));
    }

    private static HashSet<string> MethodsOf(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var reader = pe.GetMetadataReader();
        var methods = new HashSet<string>(StringComparer.Ordinal);
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            var name = Normalize(FullName(reader, typeHandle));
            foreach (var method in type.GetMethods()) methods.Add(name + "::" + reader.GetString(reader.GetMethodDefinition(method).Name));
        }
        return methods;
    }

    private static TypeReferenceHandle GenericTypeOf(MetadataReader reader, TypeSpecificationHandle spec)
    {
        var blob = reader.GetBlobReader(reader.GetTypeSpecification(spec).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return default;
        blob.ReadSignatureTypeCode(); // class or valuetype
        var handle = blob.ReadTypeHandle();
        return handle.Kind == HandleKind.TypeReference ? (TypeReferenceHandle)handle : default;
    }

    private static string AssemblyOf(MetadataReader reader, TypeReferenceHandle handle)
    {
        var scope = reader.GetTypeReference(handle).ResolutionScope;
        return scope.Kind == HandleKind.TypeReference
            ? AssemblyOf(reader, (TypeReferenceHandle)scope)
            : reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name);
    }

    private static string FullName(MetadataReader reader, TypeReferenceHandle handle)
    {
        var type = reader.GetTypeReference(handle);
        var name = reader.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference) return FullName(reader, (TypeReferenceHandle)type.ResolutionScope) + "+" + name;
        var ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    private static string FullName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var name = reader.GetString(type.Name);
        if (type.IsNested) return FullName(reader, type.GetDeclaringType()) + "+" + name;
        var ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>Source-generated classes are named after a hash of their file's path, which differs between clones.</summary>
    private static string Normalize(string name) => Regex.Replace(name, ">F[0-9A-F]{16,}__", ">F*__");
}
