// ProfileWriter <assemblies-folder> <output.mibc> <perf-map>...
//
// Turns the methods listed in the runtime's perf maps (DOTNET_PerfMapEnabled) into a profile in the
// MIBC format that the ReadyToRun compiler reads (--mibc). With --partial, the compiler then
// precompiles only the methods of the profile: the published file carries native code for what
// PaymentHub runs, and the JIT compiles the rest if it is ever called.
//
// The assemblies folder holds the IL assemblies the compiler is given (a publish's trimmed
// assemblies, obj/Release/net10.0/linux-x64/linked): each method is named there by its type, name
// and signature, so the profile stays valid across builds as long as those do not change.
//
// A MIBC file is an assembly whose global method AssemblyDictionary holds, per group of methods,
// `ldstr "<defining assembly>;<other assemblies>;"  ldtoken <group method>  pop`, and whose group
// methods hold `ldtoken <method>  pop` for each method of the group.
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using ProfileWriter;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: ProfileWriter <assemblies-folder> <output.mibc> <perf-map>...");
    return 2;
}

var assemblies = AssemblySet.Load(args[0]);
var builder = new MetadataBuilder();
var references = new References(builder, assemblies);
var groups = new SortedDictionary<string, List<EntityHandle>>(StringComparer.Ordinal);
var seen = new HashSet<PerfMapMethod>();
int named = 0, skipped = 0;
var reasons = new Dictionary<string, (int Count, string Example)>();

foreach (var map in args.Skip(2))
foreach (var line in File.ReadLines(map))
{
    if (PerfMapMethod.Parse(line) is not { } method || !seen.Add(method)) continue;
    try
    {
        foreach (var (handle, group) in references.Methods(method))
        {
            if (!groups.TryGetValue(group, out var list)) groups[group] = list = [];
            list.Add(handle);
        }
        named++;
    }
    catch (ProfileException e)
    {
        skipped++;
        reasons[e.Kind] = (reasons.GetValueOrDefault(e.Kind).Count + 1, e.Message);
    }
}

var il = new BlobBuilder();
var bodies = new MethodBodyStreamEncoder(il);
var noArgs = new BlobBuilder();
new BlobEncoder(noArgs).MethodSignature().Parameters(0, r => r.Void(), _ => { });
var noArgsSignature = builder.GetOrAddBlob(noArgs);
MethodDefinitionHandle AddGlobalMethod(string name, Action<InstructionEncoder> emit)
{
    var code = new InstructionEncoder(new BlobBuilder());
    emit(code);
    code.OpCode(ILOpCode.Ret);
    return builder.AddMethodDefinition(MethodAttributes.Public | MethodAttributes.Static, MethodImplAttributes.IL,
        builder.GetOrAddString(name), noArgsSignature, bodies.AddMethodBody(code, maxStack: 8), default);
}

var groupMethods = new List<(string Name, MethodDefinitionHandle Method)>();
foreach (var (name, handles) in groups)
{
    groupMethods.Add((name, AddGlobalMethod($"Group{groupMethods.Count + 1}", code =>
    {
        foreach (var handle in handles) { code.OpCode(ILOpCode.Ldtoken); code.Token(handle); code.OpCode(ILOpCode.Pop); }
    })));
}
var dictionary = AddGlobalMethod("AssemblyDictionary", code =>
{
    foreach (var (name, method) in groupMethods)
    {
        code.LoadString(builder.GetOrAddUserString(name));
        code.OpCode(ILOpCode.Ldtoken);
        code.Token(method);
        code.OpCode(ILOpCode.Pop);
    }
});

var profileName = Path.GetFileNameWithoutExtension(args[1]);
builder.AddModule(0, builder.GetOrAddString(profileName + ".dll"), builder.GetOrAddGuid(ProfileModuleId), default, default);
builder.AddAssembly(builder.GetOrAddString(profileName), new Version(1, 0, 0, 0), default, default, 0, AssemblyHashAlgorithm.None);
builder.AddTypeDefinition(0, default, builder.GetOrAddString("<Module>"), default,
    MetadataTokens.FieldDefinitionHandle(1), groupMethods.Count > 0 ? groupMethods[0].Method : dictionary);

var image = new BlobBuilder();
// A fixed content id and no timestamp, as for the module id.
new ManagedPEBuilder(PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(builder), il,
    deterministicIdProvider: _ => new BlobContentId(Guid.Empty, 0)).Serialize(image);
using (var file = File.Create(args[1])) image.WriteContentTo(file);

Console.WriteLine($"{args[1]}: {groups.Values.Sum(g => g.Count)} methods in {groups.Count} groups, for {named} of the " +
    $"{named + skipped} distinct methods in the perf maps");
foreach (var (kind, (count, example)) in reasons.OrderByDescending(r => r.Value.Count))
    Console.WriteLine($"  not named: {count} ({kind}), e.g. {example}");
return 0;

partial class Program
{
    /// <summary>The profile module's id: fixed, so that the same recording gives the same bytes.</summary>
    private static readonly Guid ProfileModuleId = new("5f0c6a0e-8d1b-4c57-9a43-3f2b7d6e1a90");
}

namespace ProfileWriter
{
    /// <summary>Why a perf map entry names no method of the assemblies (dynamic methods, types of another build).</summary>
    sealed class ProfileException(string kind, string detail) : Exception($"{kind}: {detail}")
    {
        public string Kind { get; } = kind;
    }

    /// <summary>
    /// One method of a perf map line: <c>[instance] ret [Assembly] Ns.Type+Nested`1[TypeArg]::Name(params)[Tier]</c>.
    /// The map prints a generic type's instantiation but not a generic method's.
    /// </summary>
    sealed record PerfMapMethod(string Assembly, string Type, string Name, int ParameterCount)
    {
        private static readonly Regex Shape = new(@"\[(?<asm>[\w.]+)\] (?<type>[^ ]+?)::(?<name>[^(]+)\((?<params>.*)\)(\[\w+\])?$", RegexOptions.Compiled);

        public static PerfMapMethod? Parse(string line)
        {
            var m = Shape.Match(line);
            if (!m.Success) return null; // stubs and other entries without a method
            return new PerfMapMethod(m.Groups["asm"].Value, m.Groups["type"].Value, m.Groups["name"].Value, CountParameters(m.Groups["params"].Value));
        }

        private static int CountParameters(string list)
        {
            if (list.Length == 0) return 0;
            int depth = 0, count = 1;
            foreach (var c in list)
            {
                if (c is '<' or '[' or '(') depth++;
                else if (c is '>' or ']' or ')') depth--;
                else if (c == ',' && depth == 0) count++;
            }
            return count;
        }
    }

    /// <summary>The IL assemblies of a publish, with their types by full name.</summary>
    sealed class AssemblySet
    {
        public Dictionary<string, MetadataReader> Readers { get; } = new(StringComparer.Ordinal);
        /// <summary>Each reader reads the memory of its file's PEReader, which must outlive it.</summary>
        private readonly List<PEReader> _files = [];
        /// <summary>Types by name across all assemblies (the first one wins), for type arguments, which the map prints without their assembly.</summary>
        public Dictionary<string, (string Assembly, TypeDefinitionHandle Type)> ByName { get; } = new(StringComparer.Ordinal);
        /// <summary>Types by assembly and name (internal helpers such as SR exist in many assemblies).</summary>
        public Dictionary<(string Assembly, string Name), TypeDefinitionHandle> ByAssembly { get; } = new();

        public static AssemblySet Load(string folder)
        {
            var set = new AssemblySet();
            foreach (var path in Directory.GetFiles(folder, "*.dll").Order(StringComparer.Ordinal))
            {
                var pe = new PEReader(File.OpenRead(path));
                set._files.Add(pe);
                if (!pe.HasMetadata) continue;
                var reader = pe.GetMetadataReader();
                if (!reader.IsAssembly) continue;
                var assembly = reader.GetString(reader.GetAssemblyDefinition().Name);
                set.Readers[assembly] = reader;
                foreach (var type in reader.TypeDefinitions)
                {
                    var name = Normalize(FullName(reader, type));
                    set.ByName.TryAdd(name, (assembly, type));
                    set.ByAssembly.TryAdd((assembly, name), type);
                }
            }
            return set;
        }

        public static string FullName(MetadataReader reader, TypeDefinitionHandle handle)
        {
            var type = reader.GetTypeDefinition(handle);
            var name = reader.GetString(type.Name);
            if (type.IsNested) return FullName(reader, type.GetDeclaringType()) + "+" + name;
            var ns = reader.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        /// <summary>
        /// Source generators name their classes after a hash of the source file's path, so a profile
        /// recorded from a build in one folder must still name them when the compile runs in another.
        /// </summary>
        public static string Normalize(string name) => Regex.Replace(name, ">F[0-9A-F]{16,}__", ">F*__");
    }
}
