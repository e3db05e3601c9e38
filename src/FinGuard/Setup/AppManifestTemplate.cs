using System.Text.Json.Nodes;
using FinGuard.Webhooks;

namespace FinGuard.Setup;

/// <summary>
/// <c>app-manifest/finguard.json</c> (copied next to the executable) and the manifest built from it for one
/// running server: its placeholder origin replaced by the server's public URL in <c>url</c>,
/// <c>hook_attributes.url</c> and <c>setup_url</c>, and <c>redirect_url</c> pointing back at this server's
/// <c>/setup/callback</c>.
/// </summary>
public sealed class AppManifestTemplate
{
    public const string RelativePath = "app-manifest/finguard.json";

    private readonly JsonObject template;

    private AppManifestTemplate(JsonObject template, string sourcePath)
    {
        this.template = template;
        SourcePath = sourcePath;
    }

    public string SourcePath { get; }

    /// <summary>Reads the manifest from <paramref name="path"/>, default <see cref="RelativePath"/> under the executable's folder.</summary>
    public static AppManifestTemplate Load(string? path = null)
    {
        path ??= Path.Combine(AppContext.BaseDirectory, RelativePath);
        if (!File.Exists(path))
        {
            throw new SetupException($"The App manifest {path} is missing from this FinGuard build.");
        }

        return JsonNode.Parse(File.ReadAllText(path)) is JsonObject manifest
            ? new AppManifestTemplate(manifest, path)
            : throw new SetupException($"The App manifest {path} is not a JSON object.");
    }

    /// <summary>
    /// The manifest for a server reached by GitHub at <paramref name="publicBase"/> (webhooks at
    /// <paramref name="webhookUrl"/> when given) and by the browser at <paramref name="setupBase"/>.
    /// </summary>
    public JsonObject Build(Uri publicBase, Uri setupBase, Uri? webhookUrl = null)
    {
        ArgumentNullException.ThrowIfNull(publicBase);
        ArgumentNullException.ThrowIfNull(setupBase);
        var manifest = (JsonObject)template.DeepClone();
        manifest["url"] = publicBase.AbsoluteUri;
        var hook = manifest["hook_attributes"] as JsonObject ?? [];
        hook["url"] = (webhookUrl ?? new Uri(publicBase, WebhookEndpoints.Path.TrimStart('/'))).AbsoluteUri;
        hook["active"] = true;
        manifest["hook_attributes"] = hook;
        manifest["redirect_url"] = new Uri(setupBase, SetupEndpoints.CallbackPath.TrimStart('/')).AbsoluteUri;
        manifest["setup_url"] = new Uri(publicBase, SetupEndpoints.InstalledPath.TrimStart('/')).AbsoluteUri;
        return manifest;
    }
}
