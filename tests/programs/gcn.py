"""A two-layer graph convolutional network (Kipf & Welling, 2017) with a sparse normalized adjacency matrix,
classifying the nodes of a stochastic block model this script generates.

Plain PyTorch: run it with ``ember run tests/programs/gcn.py``.
"""

from __future__ import annotations

import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


def stochastic_block_model(n_nodes, n_classes, p_in, p_out, n_features, generator):
    """Random graph whose edges are denser inside a community than across; features are noisy community means."""
    labels = torch.randint(0, n_classes, (n_nodes,), generator=generator)
    same = labels.unsqueeze(0) == labels.unsqueeze(1)
    probs = torch.where(same, torch.tensor(p_in), torch.tensor(p_out))
    upper = torch.triu(torch.rand(n_nodes, n_nodes, generator=generator) < probs, diagonal=1)
    adjacency = upper | upper.t()
    centers = torch.randn(n_classes, n_features, generator=generator)
    features = centers[labels] + 2.0 * torch.randn(n_nodes, n_features, generator=generator)
    return adjacency, features, labels


def normalized_adjacency(adjacency):
    """D^-1/2 (A + I) D^-1/2 as a sparse COO tensor."""
    n = adjacency.size(0)
    edges = adjacency.nonzero().t()
    loops = torch.arange(n).unsqueeze(0).repeat(2, 1)
    indices = torch.cat([edges, loops], dim=1)
    degree = torch.bincount(indices[0], minlength=n).float()
    d_inv_sqrt = degree.pow(-0.5)
    values = d_inv_sqrt[indices[0]] * d_inv_sqrt[indices[1]]
    return torch.sparse_coo_tensor(indices, values, (n, n)).coalesce()


class GraphConvolution(nn.Module):
    """One GCN layer: the sparse adjacency times the node features times a weight."""

    def __init__(self, in_features, out_features, bias=True):
        super(GraphConvolution, self).__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.empty(out_features)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1. / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.data.uniform_(-stdv, stdv)

    def forward(self, input, adj):
        support = torch.mm(input, self.weight)
        output = torch.sparse.mm(adj, support)
        if self.bias is not None:
            return output + self.bias
        return output


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout):
        super(GCN, self).__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        x = self.gc2(x, adj)
        return F.log_softmax(x, dim=1)


def accuracy(output, labels):
    preds = output.max(1)[1].type_as(labels)
    correct = preds.eq(labels).double()
    return correct.sum() / len(labels)


def main():
    parser = argparse.ArgumentParser(description="GCN on a stochastic block model")
    parser.add_argument("--nodes", type=int, default=300, help="number of nodes")
    parser.add_argument("--classes", type=int, default=3, help="number of communities")
    parser.add_argument("--features", type=int, default=16, help="features per node")
    parser.add_argument("--epochs", type=int, default=100, help="number of epochs to train")
    parser.add_argument("--lr", type=float, default=0.01, help="initial learning rate")
    parser.add_argument("--weight_decay", type=float, default=5e-4, help="weight decay (L2 loss on parameters)")
    parser.add_argument("--hidden", type=int, default=16, help="number of hidden units")
    parser.add_argument("--dropout", type=float, default=0.5, help="dropout rate (1 - keep probability)")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--device", default="cpu", help="the device to train on (default: cpu)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    generator = torch.Generator().manual_seed(args.seed)

    adjacency, features, labels = stochastic_block_model(args.nodes, args.classes, p_in=0.05, p_out=0.005,
                                                         n_features=args.features, generator=generator)
    adj = normalized_adjacency(adjacency)
    print("graph: {} nodes, {} edges, {} classes".format(args.nodes, int(adjacency.sum().item()) // 2,
                                                         args.classes))
    perm = torch.randperm(args.nodes, generator=generator)
    idx_train, idx_val, idx_test = perm[:args.nodes // 5], perm[args.nodes // 5:args.nodes // 2], \
        perm[args.nodes // 2:]

    model = GCN(nfeat=args.features, nhid=args.hidden, nclass=args.classes, dropout=args.dropout)
    optimizer = optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)

    model.to(device)
    features, adj, labels = features.to(device), adj.to(device), labels.to(device)
    idx_train, idx_val, idx_test = idx_train.to(device), idx_val.to(device), idx_test.to(device)

    for epoch in range(args.epochs):
        model.train()
        optimizer.zero_grad()
        output = model(features, adj)
        loss_train = F.nll_loss(output[idx_train], labels[idx_train])
        acc_train = accuracy(output[idx_train], labels[idx_train])
        loss_train.backward()
        optimizer.step()

        if epoch % 20 == 0 or epoch == args.epochs - 1:
            model.eval()
            with torch.no_grad():
                output = model(features, adj)
            loss_val = F.nll_loss(output[idx_val], labels[idx_val])
            acc_val = accuracy(output[idx_val], labels[idx_val])
            print("Epoch: {:04d} loss_train: {:.4f} acc_train: {:.4f} loss_val: {:.4f} acc_val: {:.4f}".format(
                epoch + 1, loss_train.item(), acc_train.item(), loss_val.item(), acc_val.item()))

    model.eval()
    with torch.no_grad():
        output = model(features, adj)
    loss_test = F.nll_loss(output[idx_test], labels[idx_test])
    acc_test = accuracy(output[idx_test], labels[idx_test])
    print("Test set results: loss= {:.4f} accuracy= {:.4f}".format(loss_test.item(), acc_test.item()))


if __name__ == "__main__":
    main()
