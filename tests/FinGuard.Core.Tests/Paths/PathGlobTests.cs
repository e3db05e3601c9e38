using FinGuard.Core.Controls;
using FinGuard.Core.Paths;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace FinGuard.Core.Tests.Paths;

public sealed class PathGlobTests
{
    [Theory]
    [InlineData("db/migrations/**", "db/migrations/001_init.sql", true)]
    [InlineData("db/migrations/**", "db/migrations/2026/001.sql", true)]
    [InlineData("db/migrations/**", "db/seed.sql", false)]
    [InlineData("db/migrations/*", "db/migrations/2026/001.sql", false)]
    [InlineData("**/*.bicep", "main.bicep", true)]
    [InlineData("**/*.bicep", "infra/network/vnet.bicep", true)]
    [InlineData("**/*.bicep", "infra/vnet.bicep.md", false)]
    [InlineData("infra/**/app.yml", "infra/app.yml", true)]
    [InlineData("infra/**/app.yml", "infra/a/b/app.yml", true)]
    [InlineData("src/?.cs", "src/?.cs", true)]
    [InlineData("src/?.cs", "src/a.cs", false)]
    [InlineData("Infra/**", "infra/x", false)]
    public void Policy_patterns_follow_the_branch_pattern_rules(string pattern, string path, bool expected) =>
        Assert.Equal(expected, PathGlob.Policy(pattern).IsMatch(path));

    [Theory]
    [InlineData("*", "README.md", true)]
    [InlineData("*", "a/b/c.txt", true)]
    [InlineData("*.js", "web/app.js", true)]
    [InlineData("*.js", "web/app.jsx", false)]
    [InlineData("/build/logs/", "build/logs/a/b.log", true)]
    [InlineData("/build/logs/", "src/build/logs/b.log", false)]
    [InlineData("/build/logs/", "build/logs", false)]
    [InlineData("apps/", "apps/x.cs", true)]
    [InlineData("apps/", "deep/nested/apps/x.cs", true)]
    [InlineData("docs/*", "docs/getting-started.md", true)]
    [InlineData("docs/*", "docs/build-app/troubleshooting.md", false)]
    [InlineData("docs/*", "x/docs/a.md", false)]
    [InlineData("**/logs", "build/logs/x.log", true)]
    [InlineData("**/logs", "deeply/nested/logs/x.log", true)]
    [InlineData("**/logs", "logs/x.log", true)]
    [InlineData("/scripts/", "scripts/deploy.sh", true)]
    [InlineData("scripts", "tools/scripts/deploy.sh", true)]
    [InlineData("/apps/github", "apps/github/x.rb", true)]
    [InlineData("/apps/github", "apps/githubx/x.rb", false)]
    [InlineData("README.md", "docs/README.md", true)]
    [InlineData("/README.md", "docs/README.md", false)]
    [InlineData("src/?.cs", "src/a.cs", true)]
    [InlineData("src/?.cs", "src/ab.cs", false)]
    [InlineData("/", "a.txt", false)]
    public void CodeOwners_patterns_follow_GitHubs_documented_examples(string pattern, string path, bool expected) =>
        Assert.Equal(expected, PathGlob.CodeOwners(pattern).IsMatch(path));

    [Fact]
    public void Long_paths_are_matched_beyond_the_stack_buffer()
    {
        var path = string.Join('/', Enumerable.Repeat("segment", 100)) + "/file.sql";

        Assert.True(PathGlob.Policy("**/*.sql").IsMatch(path));
        Assert.False(PathGlob.Policy("segment/*.sql").IsMatch(path));
    }

    private static readonly Gen<string> Pieces = Gen.Elements("a", "b", "/", "*", "ab", ".");

    private static Arbitrary<string> Text(int max) =>
        Gen.ListOf(Pieces).Where(l => l.Count <= max).Select(l => string.Concat(l)).ToArbitrary();

    /// <summary>Without "**/" (the one addition), a policy path pattern means what the same branch pattern means.</summary>
    [Property(MaxTest = 500)]
    public Property Policy_patterns_agree_with_branch_patterns() =>
        Prop.ForAll(Text(6), Text(8), (pattern, path) =>
            pattern.Contains("**/", StringComparison.Ordinal)
            || PathGlob.Policy(pattern).IsMatch(path) == BranchPattern.IsMatch(pattern, path, null));

    /// <summary>The index finds what testing every pattern from the last would find.</summary>
    [Property(MaxTest = 300)]
    public Property The_index_finds_the_last_matching_pattern() =>
        Prop.ForAll(
            Gen.ListOf(Gen.Elements("*", "/a/", "a/", "/a/b/", "a/*", "/a/b/*.c", "b", "**/b", "/a/**/c", "*.c", "/b/a/", "a/b/c")).Where(l => l.Count <= 12).ToArbitrary(),
            Gen.Elements("a/b/c", "a/x.c", "b/a/c", "c", "a/b/b/c", "b/b/x.c", "a/c").ToArbitrary(),
            (patterns, path) =>
            {
                var index = new PathGlobIndex<int>();
                for (var i = 0; i < patterns.Count; i++)
                {
                    index.Add(PathGlob.CodeOwners(patterns[i]), i);
                }

                var expected = Enumerable.Range(0, patterns.Count).Reverse().Where(i => PathGlob.CodeOwners(patterns[i]).IsMatch(path)).DefaultIfEmpty(-1).First();
                var found = index.TryFindLast(path, out var value) ? value : -1;
                return found == expected;
            });
}
