// open_dataset: the name -> loader table the CLI's --dataset flag uses.
#include "common/error.h"
#include "data/cifar_dataset.h"
#include "data/dataset.h"
#include "data/idx_dataset.h"
#include "data/image_folder_dataset.h"

namespace ttq::data {

std::unique_ptr<Dataset> open_dataset(const std::string& name, const std::string& data_path, bool train) {
  const bool idx = name == "mnist" || name == "fashion-mnist";
  const bool cifar = name == "cifar10" || name == "cifar100";
  const bool folder = name == "imagefolder" || name == "tiny-imagenet";
  if (!idx && !cifar && !folder)
    throw ArgumentError("unknown dataset \"" + name + "\"",
                        "valid names: mnist, fashion-mnist, cifar10, cifar100, imagefolder, tiny-imagenet");
  if (data_path.empty())
    throw ArgumentError(name + ": no data path given", "pass --data-path pointing at the dataset's folder");
  if (idx) return open_idx_dataset(name, data_path, train);
  if (cifar) return open_cifar_dataset(name == "cifar10" ? CifarKind::cifar10 : CifarKind::cifar100, data_path, train);
  return open_image_folder_dataset(name, data_path, train);
}

}  // namespace ttq::data
