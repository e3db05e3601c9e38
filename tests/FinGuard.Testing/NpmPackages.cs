using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Testing;

/// <summary>
/// The npm packages the tests and benchmarks read GitHub's recorded payloads and API description from. They are
/// installed by <c>npm ci</c> (pinned in package.json), never copied into the repository.
/// </summary>
public static class NpmPackages
{
    /// <summary>Each package and a file it must have installed, relative to the repository root.</summary>
    public static IReadOnlyList<(string Package, string File)> Required { get; } =
    [
        ("@octokit/webhooks-examples", Path.Combine("node_modules", "@octokit", "webhooks-examples", "api.github.com", "index.json")),
        ("@octokit/openapi", Path.Combine("node_modules", "@octokit", "openapi", "generated", "api.github.com.json")),
    ];

    /// <summary>Null when every required package is installed under <paramref name="repositoryRoot"/>; else what is missing and what to run.</summary>
    public static string? WhatIsMissing(string? repositoryRoot = null)
    {
        var root = repositoryRoot ?? RepositoryRoot.Path;
        var missing = Required.Where(p => !File.Exists(Path.Combine(root, p.File))).Select(p => p.Package).ToList();
        return missing.Count == 0
            ? null
            : $"{string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not installed in {Path.Combine(root, "node_modules")}. " +
              $"Run 'npm ci' in {root} (it installs the versions package.json pins), then run this again.";
    }
}
