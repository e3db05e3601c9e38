using System.Reflection;
using System.Text.Json.Nodes;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Tests.Packaging;

/// <summary>One function of the SDK-generated <c>functions.metadata</c>.</summary>
internal sealed record FunctionMetadataEntry(string Name, JsonObject Json)
{
    public IReadOnlyList<JsonObject> Bindings => [.. Json["bindings"]!.AsArray().Select(b => b!.AsObject())];

    public JsonObject Trigger => Bindings.Single(b => ((string)b["type"]!).EndsWith("Trigger", StringComparison.Ordinal));

    public string TriggerType => (string)Trigger["type"]!;

    public bool IsHttp => TriggerType == "httpTrigger";
}

/// <summary>Reads <c>functions.metadata</c>, which the Functions worker SDK writes from the <c>[Function]</c> attributes.</summary>
internal static class FunctionMetadata
{
    /// <summary>The build output of src/FinGuard in the configuration the tests were built in.</summary>
    public static string BuildOutput
    {
        get
        {
            var configuration = typeof(FunctionMetadata).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            return Path.Combine(RepositoryRoot.Path, "src", "FinGuard", "bin", configuration, "net10.0");
        }
    }

    public static IReadOnlyList<FunctionMetadataEntry> Load(string folder)
    {
        var path = Path.Combine(folder, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} exists (the Functions worker SDK writes it on build and publish).");
        return [.. JsonNode.Parse(File.ReadAllText(path))!.AsArray().Select(f => new FunctionMetadataEntry((string)f!["name"]!, f.AsObject()))];
    }
}
