using System.Text;
using FinGuard.Core.Policy.Yaml;

namespace FinGuard.Core.Tests.Policy;

/// <summary>
/// Property: whatever bytes a policy file holds, the parser returns a result (never throws), the result is either a
/// document or problems, every problem has a 1-based position, and a document always resolves.
/// </summary>
public sealed class PolicyFileMutationTests
{
    private const int Mutations = 4000;

    private static readonly byte[] Interesting = Encoding.ASCII.GetBytes("[]{}:,-?&*!|>'\"#%@`\n\t \\0~$/");

    [Theory]
    [InlineData(PolicyFileKind.Organisation, 20260101)]
    [InlineData(PolicyFileKind.Repository, 424242)]
    public void Random_mutations_of_a_valid_file_never_throw(PolicyFileKind kind, int seed)
    {
        var original = Encoding.UTF8.GetBytes(PolicyFileParserTests.FullOrganisationFile.ReplaceLineEndings("\n") + "\n");
        var random = new Random(seed);
        var valid = 0;

        for (var i = 0; i < Mutations; i++)
        {
            var mutated = Mutate(original, random, edits: 1 + random.Next(4));

            var result = PolicyFileParser.Parse(mutated, kind);

            Assert.Equal(result.IsValid, result.Problems.IsEmpty);
            Assert.All(result.Problems, p =>
            {
                Assert.True(p.Line >= 1 && p.Column >= 1, $"{p} in mutation {i}");
                Assert.False(string.IsNullOrWhiteSpace(p.Message));
                Assert.False(p.Message.Contains("could not be read as YAML", StringComparison.Ordinal), $"mutation {i}: {p.Message}\n---\n{Encoding.UTF8.GetString(mutated)}");
            });
            if (result.IsValid)
            {
                valid++;
                PolicyResolver.Resolve(result.Document, result.Document);
                PolicyResolver.Resolve(result.Document, null);
            }
        }

        // The mutations both keep some files valid and break most: both paths are exercised.
        Assert.InRange(valid, 1, Mutations - 1);
    }

    private static byte[] Mutate(byte[] source, Random random, int edits)
    {
        var bytes = new List<byte>(source);
        for (var edit = 0; edit < edits && bytes.Count > 0; edit++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8)); // flip a bit
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
                case 2:
                    bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); // insert a YAML indicator
                    break;
                case 3:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 12), bytes.Count - at)); // delete a run
                    break;
                case 4:
                    bytes[at] = (byte)random.Next(256); // any byte, invalid UTF-8 included
                    break;
                default:
                    var length = Math.Min(random.Next(1, 40), bytes.Count - at); // duplicate a run
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
            }
        }

        return [.. bytes];
    }
}
