"""The layers of ``ember.nn``; every public class imported here is re-exported by ``ember.nn``.

Layer authors: append one import line per layer file below (do not rewrite this file).
"""

from .module import Module
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .linear import Bilinear, Identity, Linear
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d
from .pooling import AdaptiveMaxPool1d, AdaptiveMaxPool2d
from .pooling import AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm, RMSNorm
from .normalization import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d
from .activation import CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU
from .activation import LogSigmoid, LogSoftmax, Mish, MultiheadAttention, PReLU, ReLU, ReLU6, Sigmoid, SiLU
from .activation import Softmax, Softmin, Softplus, Softshrink, Softsign, Tanh, Tanhshrink, Threshold
from .loss import BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss
from .loss import HingeEmbeddingLoss, HuberLoss
from .loss import KLDivLoss, L1Loss, MarginRankingLoss, MSELoss, NLLLoss, PoissonNLLLoss, SmoothL1Loss
from .loss import SoftMarginLoss, TripletMarginLoss
from .sparse import Embedding
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .flatten import Flatten, Unflatten
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .transformer import Transformer, TransformerDecoder, TransformerDecoderLayer
from .transformer import TransformerEncoder, TransformerEncoderLayer
from ..parameter import Buffer, UninitializedBuffer, UninitializedParameter
from .lazy import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d
from .lazy import LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d
from .lazy import LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear, LazyModuleMixin
from .legacy import Container
from .parallel import DataParallel
from .sync_batchnorm import SyncBatchNorm
from .padding import CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d
from .padding import ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d
from .padding import ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d
from .pixelshuffle import PixelShuffle, PixelUnshuffle
from .fold import Fold, Unfold
from .channelshuffle import ChannelShuffle
from .distance import CosineSimilarity, PairwiseDistance
from .lrn import CrossMapLRN2d, LocalResponseNorm
from .activation_extra import RReLU, Softmax2d
from .dropout import FeatureAlphaDropout
from .pooling_extra import AdaptiveMaxPool3d, FractionalMaxPool2d, FractionalMaxPool3d, LPPool1d, LPPool2d
from .pooling_extra import LPPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d
from .sparse import EmbeddingBag
from .loss_extra import CTCLoss, GaussianNLLLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss
from .loss_extra import NLLLoss2d, TripletMarginWithDistanceLoss
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions
