using System.Reflection;
using System.Text.Json.Nodes;

namespace FinGuard.Demo;

/// <summary>
/// The recorded GitHub responses and webhook bodies the demo plays: the worked examples of <c>docs/examples/</c>
/// (compliant-pull-request, non-compliant-pull-request, deployment-approved, deployment-rejected), embedded in the
/// executable under <c>demo/FOLDER/FILE</c> so the demo runs from a published or installed <c>finguard</c> too.
/// </summary>
internal static class DemoData
{
    private const string Prefix = "demo/";

    private static readonly Assembly Assembly = typeof(DemoData).Assembly;

    /// <summary>The text of <c>docs/examples/<paramref name="path"/></c>, or null when the demo does not carry it.</summary>
    public static string? Text(string path)
    {
        using var stream = Assembly.GetManifestResourceStream(Prefix + path);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The JSON of <c>docs/examples/<paramref name="path"/></c>; the file must be embedded.</summary>
    public static JsonNode Json(string path) =>
        JsonNode.Parse(Text(path) ?? throw new InvalidOperationException($"The demo's recorded file {path} is not embedded in this build."))!;

    /// <summary>Every embedded file under <c>docs/examples/<paramref name="folder"/>/</c>, by its path below the folder.</summary>
    public static IEnumerable<string> Files(string folder) =>
        Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith($"{Prefix}{folder}/", StringComparison.Ordinal))
            .Select(n => n[(Prefix.Length + folder.Length + 1)..])
            .Order(StringComparer.Ordinal);
}
