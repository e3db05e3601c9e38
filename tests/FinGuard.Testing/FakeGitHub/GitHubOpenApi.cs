using System.Collections.Frozen;
using System.Text.Json;

namespace FinGuard.Testing.FakeGitHub;

/// <summary>
/// The set of REST operations (method + path template) in GitHub's OpenAPI description, used to check that
/// every request FinGuard makes is a real GitHub operation. <see cref="Default"/> reads
/// <c>node_modules/@octokit/openapi/generated/api.github.com.json</c> (pinned in package.json; 23.0.2 when this
/// was written; the version actually loaded is read from the package's package.json and shown in
/// <see cref="Version"/> and every failure message). The 13 MB file is parsed once per process and only the
/// operation set is kept.
/// </summary>
public sealed class GitHubOpenApi
{
    private const string PackageDirectory = "node_modules/@octokit/openapi";
    private const string DescriptionFile = "generated/api.github.com.json";

    private static readonly string[] HttpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private static readonly Lazy<GitHubOpenApi> DefaultInstance = new(LoadDefault, LazyThreadSafetyMode.ExecutionAndPublication);

    // Path template -> upper-case methods; templates sorted best first so the first match is the most specific.
    private readonly (PathTemplate Template, FrozenSet<string> Methods)[] _paths;

    private GitHubOpenApi(string sourcePath, string version, (PathTemplate, FrozenSet<string>)[] paths)
    {
        SourcePath = sourcePath;
        Version = version;
        _paths = paths;
        OperationCount = paths.Sum(p => p.Item2.Count);
    }

    /// <summary>The api.github.com description from the repository's node_modules (run <c>npm ci</c> first).</summary>
    public static GitHubOpenApi Default => DefaultInstance.Value;

    /// <summary>The file the operations were read from.</summary>
    public string SourcePath { get; }

    /// <summary>The <c>@octokit/openapi</c> package version (or the description's <c>info.version</c>).</summary>
    public string Version { get; }

    public int OperationCount { get; }

    /// <summary>A short description for messages, e.g. <c>@octokit/openapi 23.0.2 (api.github.com.json)</c>.</summary>
    public string DisplayName => $"@octokit/openapi {Version} ({Path.GetFileName(SourcePath)})";

    /// <summary>Loads an OpenAPI description; the version comes from a package.json two levels up if there is one.</summary>
    public static GitHubOpenApi Load(string descriptionPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(descriptionPath);
        if (!File.Exists(descriptionPath))
        {
            throw new FileNotFoundException(
                $"GitHub's OpenAPI description was not found at '{descriptionPath}'. Run 'npm ci' in the repository root.",
                descriptionPath);
        }

        var operations = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        string? infoVersion = null;
        using (var stream = File.OpenRead(descriptionPath))
        using (var document = JsonDocument.Parse(stream))
        {
            var root = document.RootElement;
            if (root.TryGetProperty("info", out var info) && info.TryGetProperty("version", out var v))
            {
                infoVersion = v.GetString();
            }

            foreach (var path in root.GetProperty("paths").EnumerateObject())
            {
                var methods = new HashSet<string>(StringComparer.Ordinal);
                foreach (var member in path.Value.EnumerateObject())
                {
                    if (HttpMethods.Contains(member.Name, StringComparer.Ordinal))
                    {
                        methods.Add(member.Name.ToUpperInvariant());
                    }
                }

                if (methods.Count > 0)
                {
                    operations[path.Name] = methods;
                }
            }
        }

        var paths = operations
            .Select(o => (Template: PathTemplate.Parse(o.Key), Methods: o.Value.ToFrozenSet(StringComparer.Ordinal)))
            .ToList();
        paths.Sort((x, y) => PathTemplate.CompareSpecificity(x.Template, y.Template));
        var version = ReadPackageVersion(descriptionPath) ?? infoVersion ?? "unknown";
        return new GitHubOpenApi(Path.GetFullPath(descriptionPath), version, [.. paths]);
    }

    /// <summary>
    /// Whether <paramref name="method"/> <paramref name="path"/> (a concrete path such as
    /// <c>/repos/o/r/pulls/1/commits</c>, without query string or <c>/api/v3</c> prefix) is a GitHub operation;
    /// <paramref name="template"/> is the most specific matching template that has that method.
    /// </summary>
    public bool TryMatch(string method, string path, out string? template)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(path);
        var upperMethod = method.ToUpperInvariant();
        var queryStart = path.IndexOf('?', StringComparison.Ordinal);
        if (queryStart >= 0)
        {
            path = path[..queryStart];
        }

        if (path.Length > 1 && path.EndsWith('/'))
        {
            path = path.TrimEnd('/');
        }

        foreach (var (candidate, methods) in _paths)
        {
            if (methods.Contains(upperMethod) && candidate.IsMatch(path))
            {
                template = candidate.Template;
                return true;
            }
        }

        template = null;
        return false;
    }

    private static GitHubOpenApi LoadDefault() =>
        Load(Path.Combine(RepositoryRoot.Path, PackageDirectory, DescriptionFile));

    private static string? ReadPackageVersion(string descriptionPath)
    {
        var packageJson = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(descriptionPath))!, "..", "package.json");
        if (!File.Exists(packageJson))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
        return document.RootElement.TryGetProperty("version", out var version) ? version.GetString() : null;
    }
}
