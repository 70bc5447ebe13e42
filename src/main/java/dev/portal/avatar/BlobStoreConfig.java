package dev.portal.avatar;

import dev.portal.platform.PortalProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The blob store: the S3 bucket when {@code PORTAL_S3_BUCKET} is set, else {@code PORTAL_DATA_DIR/blobs}. */
@Configuration(proxyBeanMethods = false)
class BlobStoreConfig {
    private static final Logger log = LoggerFactory.getLogger(BlobStoreConfig.class);

    @Bean
    BlobStore blobStore(S3Properties s3, PortalProperties portal, AvatarProperties avatars) {
        if (s3.enabled()) {
            log.info("Avatars are stored in the S3 bucket {}{}", s3.bucket(), s3.endpoint() == null ? "" : " at " + s3.endpoint());
            return new S3BlobStore(s3);
        }
        LocalBlobStore local = new LocalBlobStore(avatars.blobDir() != null && !avatars.blobDir().toString().isEmpty()
                ? avatars.blobDir() : portal.dataDir().resolve("blobs"));
        log.info("Avatars are stored under {}", local.root());
        return local;
    }
}
