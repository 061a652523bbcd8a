using Robotics.Tools.BindGen;

namespace Robotics.Training.Tests.Distributed;

/// <summary>CI's regeneration check for Open MPI's interop: BindGen over mpi.h reproduces the committed file exactly.</summary>
public class OpenMpiRegenerationTests
{
    [Fact]
    public void Committed_open_mpi_interop_is_what_BindGen_writes()
    {
        var text = Generator.GenerateMpi();
        var committed = File.ReadAllText(TestPaths.Repo(Generator.MpiPath));
        Assert.True(committed == text, $"{Generator.MpiPath} differs from the generator's output. Regenerate with: {Generator.RegenerateCommand}");
        Assert.Contains("DO NOT EDIT", text);
        Assert.Contains("public static partial int MPI_Allreduce(void* sendbuf, void* recvbuf, int count, ompi_datatype_t* datatype, ompi_op_t* op, ompi_communicator_t* comm);", text);
        // The predefined handles are exported globals; their types must exist as opaque structs.
        Assert.Contains("ompi_predefined_communicator_t* ompi_mpi_comm_world =>", text);
        Assert.Contains("public struct ompi_predefined_communicator_t { }", text);
        Assert.Contains("int* @readonly", text);
    }
}
