/**
 * Every model kind that trains data-parallel registers its replica program when its training module
 * loads (`registerReplicaKind` in ./steps); a replica thread imports this list. Add a line per kind.
 */
import './trainer'; // 'graph-model': the model zoo (CGCNN, SchNet, GCN, MPNN, GAT)
