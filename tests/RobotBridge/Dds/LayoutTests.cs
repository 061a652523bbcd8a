using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Robotics.RobotBridge.Dds;

namespace Robotics.RobotBridge.Tests.Dds;

/// <summary>The structs the bridge passes to Cyclone have the size gcc computes from the installed headers.</summary>
public class LayoutTests
{
    [Fact]
    public unsafe void Interop_structs_match_gcc()
    {
        var dir = Directory.CreateTempSubdirectory("ddslayout");
        try
        {
            var c = Path.Combine(dir.FullName, "sizes.c");
            File.WriteAllText(c, """
                #include <stdio.h>
                #include <stddef.h>
                #include "dds/dds.h"
                int main(void) {
                  printf("%zu %zu %zu %zu %zu\n", sizeof(dds_sample_info_t), offsetof(dds_sample_info_t, source_timestamp),
                         sizeof(dds_builtintopic_endpoint_t), offsetof(dds_builtintopic_endpoint_t, type_name),
                         sizeof(dds_publication_matched_status_t));
                  return 0;
                }
                """);
            var exe = Path.Combine(dir.FullName, "sizes");
            Run("gcc", $"-o {exe} {c}");
            var numbers = Run(exe, "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
            Assert.Equal(numbers[0], sizeof(dds_sample_info_t));
            Assert.Equal(numbers[1], (long)Marshal.OffsetOf<dds_sample_info_t>(nameof(dds_sample_info_t.source_timestamp)));
            Assert.Equal(numbers[2], sizeof(dds_builtintopic_endpoint_t));
            Assert.Equal(numbers[3], (long)Marshal.OffsetOf<dds_builtintopic_endpoint_t>(nameof(dds_builtintopic_endpoint_t.type_name)));
            Assert.Equal(numbers[4], sizeof(dds_publication_matched_status_t));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Raw_sample_matches_the_shim()
    {
        Assert.Equal((uint)Unsafe.SizeOf<RawSample>(), DdsRaw.ddsraw_sample_size());
    }

    private static string Run(string file, string args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} failed: {error}");
        return output;
    }
}
